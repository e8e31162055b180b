"""`ManualClock`: a clock that moves only when a test says so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["ManualClock"]


class ManualClock:
    """A `now()` callable for the `now=` argument of repositories and storages.

    Starts at `start` (default 2024-01-01 00:00:00 UTC: whole seconds, so stores
    that keep second precision compare equal) and moves only by `advance`.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.current: datetime = start or datetime(2024, 1, 1, tzinfo=timezone.utc)
        if self.current.tzinfo is None:
            raise ValueError(f"ManualClock needs a timezone-aware start, got {self.current!r}")

    def __call__(self) -> datetime:
        """The current (frozen) time."""
        return self.current

    def advance(self, delta: timedelta | None = None, /, **kwargs: float) -> datetime:
        """Move forward by `delta` or by `timedelta(**kwargs)`; return the new time."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError(f"a ManualClock never goes back, got {step!r}")
        self.current += step
        return self.current
