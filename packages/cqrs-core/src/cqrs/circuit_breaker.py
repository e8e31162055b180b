"""The circuit breaker protocol used by fallbacks (implementations: the cqrs-breaker package)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["ICircuitBreaker"]

T = TypeVar("T")


@runtime_checkable
class ICircuitBreaker(Protocol):
    """Runs calls through a circuit identified by `identifier` (a handler type or a name).

    `call` raises the breaker's own error while the circuit is open, without
    calling `func`; `is_circuit_breaker_error` recognises that error so the
    fallback runs whatever `failure_exceptions` says.

    Optionally, a breaker implements `is_excluded(exc) -> bool`: exceptions it
    excludes (business errors) neither trip the circuit nor trigger the
    fallback — they propagate to the caller.

    Optionally, a breaker implements `guard_stream(identifier, stream)`,
    returning an async iterator that relays `stream` as one call: its first pull
    raises the breaker's error while the circuit is open, a failure counts once,
    the end of the stream counts as one success. Streaming fallbacks then use it
    instead of sending each pull through `call` (which, with a breaker counting
    consecutive failures, would let every delivered item reset the count).
    """

    async def call(
        self, identifier: type | str, func: Callable[..., Awaitable[T]], *args: Any
    ) -> T:
        """Await `func(*args)` through the circuit of `identifier`."""
        ...

    def is_circuit_breaker_error(self, exc: BaseException) -> bool:
        """True when `exc` means "circuit open" rather than a failure of the call."""
        ...
