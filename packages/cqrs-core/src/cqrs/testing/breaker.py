"""Fake circuit breakers: deterministic `ICircuitBreaker` test doubles that record their calls.

    breaker = FakeCircuitBreaker(fail_max=2)
    binding = cqrs.RequestHandlerFallback(Primary, Fallback, circuit_breaker=breaker)
    ...
    assert breaker.calls == [Primary, Primary]
    assert breaker.is_open

No clock and no timeout: a fake circuit stays open until the test calls
`close()`, so no test depends on how long anything takes.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from cqrs.exceptions import CQRSError

__all__ = ["FakeCircuitBreaker", "FakeCircuitOpenError", "FakeStreamGuardingCircuitBreaker"]

T = TypeVar("T")


class FakeCircuitOpenError(CQRSError):
    """Raised by a fake breaker whose circuit is open; the call was not made."""

    def __init__(self, identifier: type | str) -> None:
        super().__init__(identifier)
        self.identifier: type | str = identifier

    def __str__(self) -> str:
        return (
            f"fake circuit of {self.identifier!r} is open; the call was not made "
            "(call FakeCircuitBreaker.close() to let calls through)"
        )


class FakeCircuitBreaker:
    """An `ICircuitBreaker` (and `ExcludingCircuitBreaker`) that counts and records.

    - `fail_max`: the circuit opens once `failures` reaches it (`None`: never
      by itself). Failures are counted in total, never reset by a success, so a
      test reads exactly what the breaker saw.
    - `exclude`: exception types that are business errors: counted as
      successes, and a fallback lets them reach the caller.
    - `is_open=True` starts open; `open()` and `close()` force the state.

    Every `call` appends its identifier to `calls`; while open it raises
    `FakeCircuitOpenError` without calling the function. `guarded` stays empty
    here (it lists the streams a `FakeStreamGuardingCircuitBreaker` guarded):
    this class does not guard
    whole streams: a streaming fallback sends each pull through `call` (see
    `FakeStreamGuardingCircuitBreaker` for the other path).
    """

    def __init__(
        self,
        *,
        fail_max: int | None = None,
        exclude: tuple[type[BaseException], ...] = (),
        is_open: bool = False,
    ) -> None:
        if fail_max is not None and (isinstance(fail_max, bool) or fail_max < 1):
            raise ValueError(f"fail_max must be None or an int >= 1, got {fail_max!r}")
        self.fail_max: int | None = fail_max
        self.exclude: tuple[type[BaseException], ...] = tuple(exclude)
        self.calls: list[type | str] = []
        # Filled by FakeStreamGuardingCircuitBreaker.guard_stream only.
        self.guarded: list[type | str] = []
        self.failures: int = 0
        self.successes: int = 0
        self._forced_open = is_open

    @property
    def is_open(self) -> bool:
        """Whether calls are refused: forced open, or `failures` reached `fail_max`."""
        if self._forced_open:
            return True
        return self.fail_max is not None and self.failures >= self.fail_max

    def open(self) -> None:
        """Open the circuit until `close()`."""
        self._forced_open = True

    def close(self) -> None:
        """Close the circuit and forget the failures (calls and successes stay recorded)."""
        self._forced_open = False
        self.failures = 0

    async def call(
        self,
        identifier: type | str,
        func: Callable[..., Awaitable[T]],
        *args: Any,
        **kwargs: Any,
    ) -> T:
        """Record the call, refuse it while open, else await `func` and count the outcome."""
        self.calls.append(identifier)
        if self.is_open:
            raise FakeCircuitOpenError(identifier)
        try:
            result = await func(*args, **kwargs)
        except Exception as exc:
            self._count(exc)
            raise
        self._count(None)
        return result

    def is_circuit_breaker_error(self, exc: BaseException) -> bool:
        """True for `FakeCircuitOpenError`."""
        return isinstance(exc, FakeCircuitOpenError)

    def is_excluded(self, exc: BaseException) -> bool:
        """True for the types listed in `exclude`."""
        return isinstance(exc, self.exclude)

    def _count(self, exc: BaseException | None) -> None:
        # None: a success; an excluded (business) error counts as one too.
        if exc is None or isinstance(exc, self.exclude):
            self.successes += 1
        else:
            self.failures += 1

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return (
            f"{type(self).__name__}({state}, fail_max={self.fail_max}, "
            f"failures={self.failures}, successes={self.successes})"
        )


class FakeStreamGuardingCircuitBreaker(FakeCircuitBreaker):
    """A `FakeCircuitBreaker` that also implements `StreamGuardingCircuitBreaker`.

    A streaming fallback then hands it the primary's whole stream: it appends
    the identifier to `guarded` (not to `calls`), refuses the first pull while
    open, counts a failure anywhere in the stream once and its end as one
    success.
    """

    def guard_stream(self, identifier: type | str, stream: AsyncIterator[T]) -> AsyncIterator[T]:
        """Relay `stream` as one call of the circuit of `identifier`."""
        self.guarded.append(identifier)
        return self._relay(identifier, stream)

    async def _relay(
        self, identifier: type | str, stream: AsyncIterator[T]
    ) -> AsyncGenerator[T, None]:
        try:
            if self.is_open:
                raise FakeCircuitOpenError(identifier)
            try:
                async for item in stream:
                    yield item
            except Exception as exc:
                self._count(exc)
                raise
            self._count(None)
        finally:
            # The consumer may stop early: the primary's stream is closed with this one.
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
