"""One circuit: an aiobreaker `CircuitBreaker` on its storage, with cqrs's rules on top.

What this layer adds to aiobreaker:

- errors: a call refused while the circuit is open raises `CircuitOpenError`
  chained to aiobreaker's `CircuitBreakerError`; a call that ran and failed
  re-raises its own exception, also on the failure that opens the circuit
  (aiobreaker would replace it with `CircuitBreakerError`, and a fallback
  would then treat a business error it should let through as "circuit open");
- one trial call in half-open state: aiobreaker lets every call through while
  half-open; here the others are refused until the trial ends, and a trial
  that is cancelled puts the circuit back to open, due for a new trial;
- logging: each state change once, at WARNING, on the `cqrs.breaker` logger;
- storages that are reached asynchronously (`CachedCircuitStorage`) are
  refreshed before and flushed after the call, so the call never blocks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from aiobreaker import CircuitBreakerError, CircuitBreakerState

from cqrs.breaker._utc import UtcCircuitBreaker
from cqrs.breaker.exceptions import CircuitOpenError
from cqrs.breaker.storage import CachedCircuitStorage, CircuitStorage

__all__ = ["Circuit", "CircuitStateName"]

T = TypeVar("T")

logger: logging.Logger = logging.getLogger("cqrs.breaker")

CircuitStateName = Literal["closed", "open", "half-open"]

_NAMES: dict[Any, CircuitStateName] = {
    CircuitBreakerState.CLOSED: "closed",
    CircuitBreakerState.OPEN: "open",
    CircuitBreakerState.HALF_OPEN: "half-open",
}


class Circuit:
    """The circuit of one identifier. Built by `AioBreakerAdapter`, one per identifier."""

    def __init__(
        self,
        name: str,
        storage: CircuitStorage,
        fail_max: int,
        timeout: timedelta,
        is_excluded: Callable[[BaseException], bool],
    ) -> None:
        self.name = name
        self.storage = storage
        self._breaker = UtcCircuitBreaker(
            fail_max=fail_max,
            timeout_duration=timeout,
            # One predicate rather than the types: aiobreaker would call an exception
            # class with a metaclass as if it were a predicate.
            exclude=[is_excluded],
            listeners=[_Listener(self)],
            state_storage=storage,
            name=name,
        )
        self._calls = 0  # numbers the calls, to know which one is the trial
        self._trial = 0  # the number of the call that is the half-open trial; 0: none
        self._cached = storage if isinstance(storage, CachedCircuitStorage) else None

    @property
    def state(self) -> CircuitStateName:
        """The state the storage holds now: "closed", "open" or "half-open"."""
        return _NAMES[self.storage.state]

    @property
    def fail_counter(self) -> int:
        """Consecutive failures counted so far (reset by a success)."""
        return self.storage.counter

    async def call(
        self, func: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        """Await `func(*args, **kwargs)` through this circuit."""
        cached = self._cached
        if cached is None:
            return await self._call(func, args, kwargs)
        if cached.stale():
            await cached.refresh()
        try:
            return await self._call(func, args, kwargs)
        finally:
            if cached.dirty:
                await cached.flush()

    async def _call(
        self, func: Callable[..., Awaitable[T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        if self._trial:
            raise CircuitOpenError(self.name, None, "a trial call is in flight")
        self._calls += 1
        number = self._calls
        try:
            result: T = await self._breaker.call_async(func, *args, **kwargs)
            return result
        except CircuitBreakerError as exc:
            error = exc
        except BaseException:
            # Cancellation and the like: aiobreaker records nothing, so a trial would
            # leave the circuit half-open with nobody deciding it.
            if self._trial == number:
                self._reopen_for_a_new_trial()
            raise
        # Raised outside the handler so the original keeps its own __context__.
        cause = error.__cause__
        if cause is not None:
            raise cause  # the call ran and failed; aiobreaker only reports the opening
        raise _open_error(self.name, error) from error

    async def guard_stream(self, stream: AsyncIterator[T]) -> AsyncGenerator[T, None]:
        """Relay `stream`, counting the whole stream as one call of this circuit.

        The first pull is refused with `CircuitOpenError` while the circuit is
        open (the stream is then closed unstarted); a stream that fails counts
        one failure and re-raises its error; one that ends counts one success.
        Items delivered before a failure do not reset the failure count, so a
        primary that keeps failing mid-stream does open the circuit. A stream
        abandoned by its consumer counts nothing (if it was the half-open
        trial, the circuit is due for a new trial).
        """
        cached = self._cached
        try:
            if cached is not None and cached.stale():
                await cached.refresh()
            state, number = self._enter()
            try:
                while True:
                    try:
                        item = await stream.__anext__()
                    except StopAsyncIteration:
                        break
                    except Exception as exc:
                        await _record_failure(state, exc)
                        raise
                    yield item
                await state.call_async(_succeed)
            except BaseException:
                if self._trial == number:
                    self._reopen_for_a_new_trial()
                raise
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
            if cached is not None and cached.dirty:
                await cached.flush()

    def _enter(self) -> tuple[Any, int]:
        # What aiobreaker's call_async does before calling, for a call that outlives
        # one await: returns the state object to record the outcome on.
        if self._trial:
            raise CircuitOpenError(self.name, None, "a trial call is in flight")
        self._calls += 1
        number = self._calls
        state = self._breaker.state  # notices a change made by another process
        if state.state is CircuitBreakerState.OPEN:
            try:
                state.before_call(None)
            except CircuitBreakerError as exc:
                raise _open_error(self.name, exc) from exc
            self._breaker.half_open()
            state = self._breaker.state
        return state, number

    def _reopen_for_a_new_trial(self) -> None:
        # Open again without moving `opened_at`: the timeout has elapsed, so the
        # next call becomes the trial.
        self.storage.state = CircuitBreakerState.OPEN
        self._breaker.state = CircuitBreakerState.OPEN

    def _state_changed(self, old: Any, new: Any) -> None:
        if new.state is CircuitBreakerState.HALF_OPEN:
            # State changes happen synchronously inside the call that causes or
            # notices them, before it awaits anything: that call is the trial.
            self._trial = self._calls
        else:
            self._trial = 0
        logger.warning(
            "circuit breaker %s: %s -> %s",
            self.name,
            "?" if old is None else _NAMES[old.state],
            _NAMES[new.state],
        )


class _Listener:
    """aiobreaker's listener interface (duck-typed; only state changes matter)."""

    __slots__ = ("_circuit",)

    def __init__(self, circuit: Circuit) -> None:
        self._circuit = circuit

    def before_call(self, breaker: Any, func: Any, *args: Any, **kwargs: Any) -> None:
        pass

    def success(self, breaker: Any) -> None:
        pass

    def failure(self, breaker: Any, exception: BaseException) -> None:
        pass

    def state_change(self, breaker: Any, old: Any, new: Any) -> None:
        self._circuit._state_changed(old, new)


_EPOCH = datetime(1970, 1, 1)


async def _succeed() -> None:
    pass


async def _fail(exc: BaseException) -> None:
    raise exc


async def _record_failure(state: Any, exc: BaseException) -> None:
    # Let aiobreaker count `exc` (or not, if excluded) on the state the stream
    # started in; what it raises back (exc itself, or its error when this failure
    # opened the circuit) is dropped: the caller re-raises the stream's own error.
    traceback = exc.__traceback__
    try:
        await state.call_async(_fail, exc)
    except CircuitBreakerError:
        pass
    except BaseException as raised:
        if raised is not exc:
            raise
    exc.__traceback__ = traceback


def _open_error(name: str, error: Any) -> CircuitOpenError:
    reopen_time: datetime | None = error.reopen_time
    return CircuitOpenError(
        name, _seconds_until(reopen_time), "waiting for timeout_duration", reopen_time
    )


def _seconds_until(reopen_time: datetime | None) -> float | None:
    # aiobreaker's reopen time is naive UTC (opened_at from utcnow() plus the timeout);
    # epoch arithmetic is cheaper than building an aware "now" on every refused call.
    if reopen_time is None:
        return None
    return max(0.0, (reopen_time - _EPOCH).total_seconds() - time.time())
