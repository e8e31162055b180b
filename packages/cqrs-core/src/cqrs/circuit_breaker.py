"""The circuit breaker protocols used by fallbacks (implementations: the cqrs-breaker package).

`ICircuitBreaker` is what every breaker implements. `ExcludingCircuitBreaker`
and `StreamGuardingCircuitBreaker` declare the optional methods: a fallback
binding checks once, when it is built or planned, which of them a breaker
implements (`isinstance`), and never looks the methods up per call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["ExcludingCircuitBreaker", "ICircuitBreaker", "StreamGuardingCircuitBreaker"]

T = TypeVar("T")


@runtime_checkable
class ICircuitBreaker(Protocol):
    """Runs calls through a circuit identified by `identifier` (a handler type or a name).

    `call` raises the breaker's own error while the circuit is open, without
    calling `func`; `is_circuit_breaker_error` recognises that error so the
    fallback runs whatever `failure_exceptions` says.

    Optionally, a breaker also implements `ExcludingCircuitBreaker` (business
    errors that reach the caller) and `StreamGuardingCircuitBreaker` (a whole
    stream counted as one call).
    """

    async def call(
        self, identifier: type | str, func: Callable[..., Awaitable[T]], *args: Any
    ) -> T:
        """Await `func(*args)` through the circuit of `identifier`."""
        ...

    def is_circuit_breaker_error(self, exc: BaseException) -> bool:
        """True when `exc` means "circuit open" rather than a failure of the call."""
        ...


@runtime_checkable
class ExcludingCircuitBreaker(Protocol):
    """Optional: a breaker that excludes some exceptions (business errors).

    An exception for which `is_excluded(exc)` is true neither trips the circuit
    nor triggers the fallback, whatever its `failure_exceptions`: it reaches the
    caller.
    """

    def is_excluded(self, exc: BaseException) -> bool:
        """True when `exc` is a business error that must reach the caller."""
        ...


@runtime_checkable
class StreamGuardingCircuitBreaker(Protocol):
    """Optional: a breaker that guards a primary's whole stream as one call.

    `guard_stream(identifier, stream)` returns an async iterator relaying
    `stream`: its first pull raises the breaker's error while the circuit is
    open, a failure anywhere counts once, the end of the stream one success.
    Streaming fallbacks use it instead of sending each pull through `call`
    (which, with a breaker counting consecutive failures, would let every
    delivered item reset the count).
    """

    def guard_stream(self, identifier: type | str, stream: AsyncIterator[T]) -> AsyncIterator[T]:
        """Relay `stream` through the circuit of `identifier`, as one call."""
        ...
