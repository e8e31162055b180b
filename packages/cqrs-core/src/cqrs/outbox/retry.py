"""`RetryPolicy`: when a failed outbox event is sent again, and when it is given up on.

Shared by every outbox repository so that memory and SQL stores schedule
retries identically (the conformance suite checks the same figures for both).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

__all__ = ["RetryPolicy"]


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with a cap, and a limit on failed sends.

    After the n-th failed send (n = `attempts`, counted from 1) an event is due
    again `min(backoff_max, backoff_base * 2 ** (n - 1))` later; the
    `max_attempts`-th failure moves it to `EventStatus.DEAD` instead.
    """

    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=5)
    backoff_max: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, got {self.max_attempts!r}")
        if self.backoff_base <= timedelta(0):
            raise ValueError(f"backoff_base must be positive, got {self.backoff_base!r}")
        if self.backoff_max < self.backoff_base:
            raise ValueError(
                f"backoff_max ({self.backoff_max!r}) must be >= backoff_base "
                f"({self.backoff_base!r})"
            )

    def delay(self, attempts: int) -> timedelta:
        """How long to wait before the next send, after `attempts` failed sends (>= 1)."""
        # Clamp the exponent so that a huge attempt count cannot overflow timedelta;
        # the cap applies long before 2**64 anyway.
        factor = 2 ** min(max(attempts - 1, 0), 64)
        seconds = min(self.backoff_max.total_seconds(), self.backoff_base.total_seconds() * factor)
        return timedelta(seconds=seconds)

    def exhausted(self, attempts: int) -> bool:
        """Whether `attempts` failed sends mean the event is DEAD."""
        return attempts >= self.max_attempts
