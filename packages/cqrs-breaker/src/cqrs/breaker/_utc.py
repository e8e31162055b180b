"""aiobreaker's `CircuitBreaker` with a clock that is not deprecated.

aiobreaker reads the time with `datetime.utcnow()` in two places: when a
circuit opens (`CircuitBreaker.open`) and when an open circuit decides whether
its timeout has elapsed (`CircuitOpenState.before_call`). Python 3.12
deprecates `utcnow()`, so every opening and every refused call would emit a
`DeprecationWarning` in the user's process (an error under `-W error`).

Rather than filtering warnings (a process-wide setting that is not ours to
change), the breaker here overrides those two places, and `opens_at` (which
aiobreaker computes against local time), with an aware clock converted to the
naive UTC that aiobreaker's storages hold. aiobreaker's deprecated code is then
never run. A refused call (the open state's check) compares epoch seconds
with `time.time()`, computed once per opening: building "now" as a naive UTC
datetime without `utcnow()` costs several times more.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

from aiobreaker import CircuitBreaker, CircuitBreakerError, CircuitBreakerState
from aiobreaker.state import CircuitOpenState

__all__ = ["UtcCircuitBreaker", "utc_now"]


def utc_now() -> datetime:
    """The current time as naive UTC, the form aiobreaker stores `opened_at` in."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


_EPOCH = datetime(1970, 1, 1)


class UtcCircuitBreaker(CircuitBreaker):  # type: ignore[misc]  # aiobreaker is untyped
    """`aiobreaker.CircuitBreaker` reading the time with `utc_now()`."""

    def __init__(self, **options: Any) -> None:
        # (opened_at, timeout, reopen time, reopen time in epoch seconds) of the
        # last opening seen; set before aiobreaker's __init__ builds a state.
        self._reopen: tuple[datetime, timedelta, datetime, float] | None = None
        super().__init__(**options)

    def reopen_time(self, opened_at: datetime) -> tuple[datetime, float]:
        """When a circuit opened at `opened_at` allows a trial: naive UTC and epoch seconds."""
        timeout: timedelta = self._timeout_duration
        cached = self._reopen
        if cached is None or cached[0] is not opened_at or cached[1] is not timeout:
            at = opened_at + timeout
            cached = self._reopen = (opened_at, timeout, at, (at - _EPOCH).total_seconds())
        return cached[2], cached[3]

    def open(self) -> None:
        """Open the circuit now (aiobreaker's `open`, with the non-deprecated clock)."""
        self._state_storage.opened_at = utc_now()
        self.state = self._state_storage.state = CircuitBreakerState.OPEN

    @property
    def opens_at(self) -> datetime | None:
        """When the next trial call may pass (naive UTC), or `None` if that time has passed."""
        opened_at: datetime | None = self._state_storage.opened_at
        if opened_at is None:
            return None
        reopen: datetime = opened_at + self.timeout_duration
        return reopen if reopen >= utc_now() else None

    def _create_new_state(
        self, new_state: Any, prev_state: Any = None, notify: bool = False
    ) -> Any:
        # aiobreaker builds its state objects here, from the enum's values (the
        # classes); the open state is swapped for the one with the UTC clock.
        if new_state is CircuitBreakerState.OPEN:
            return _UtcOpenState(self, prev_state=prev_state, notify=notify)
        return super()._create_new_state(new_state, prev_state=prev_state, notify=notify)


class _UtcOpenState(CircuitOpenState):  # type: ignore[misc]  # aiobreaker is untyped
    def before_call(self, func: Any, *args: Any, **kwargs: Any) -> None:
        breaker: UtcCircuitBreaker = self._breaker
        opened_at: datetime | None = breaker._state_storage.opened_at
        if opened_at is None:
            return
        reopen_at, reopen_seconds = breaker.reopen_time(opened_at)
        if time.time() < reopen_seconds:
            raise CircuitBreakerError(
                "Timeout not elapsed yet, circuit breaker still open", reopen_at
            )
