"""`RedisLink`: how the circuits of one `RedisStorageFactory` reach Redis.

Every Redis command the breaker sends goes through `RedisLink.run`, which

- bounds it by `timeout` seconds (default 50 ms), whatever the client's own
  socket settings or retries (a user's client may have none, or retry for
  seconds), so a Redis that hangs or is gone costs a call at most `timeout`;
- after a failure, lets no command through for a backoff delay that doubles
  on each failed attempt (from `backoff` up to `max_backoff` seconds) and
  resets once Redis answers; meanwhile circuits work on their local copy;
- logs one WARNING when Redis stops answering and one when it answers again,
  however many circuits and calls are concerned.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from cqrs.breaker.exceptions import BreakerConfigurationError

__all__ = ["DEFAULT_BACKOFF", "DEFAULT_MAX_BACKOFF", "DEFAULT_TIMEOUT", "RedisLink"]

T = TypeVar("T")

logger: logging.Logger = logging.getLogger("cqrs.breaker")

#: Seconds one Redis command may take before the breaker gives up on it.
DEFAULT_TIMEOUT = 0.05
#: Seconds without any attempt after the first failure; doubles on each failure.
DEFAULT_BACKOFF = 0.5
#: The longest wait between two attempts, in seconds.
DEFAULT_MAX_BACKOFF = 30.0


class RedisLink:
    """The health of one Redis client as the breaker sees it (one per factory).

    `clock` gives monotonic seconds (default `time.monotonic`); tests pass
    their own to step through the backoff without sleeping.
    """

    __slots__ = (
        "_backoff",
        "_clock",
        "_delay",
        "_errors",
        "_failed_at",
        "_max_backoff",
        "_retry_at",
        "label",
        "timeout",
        "unreachable",
    )

    def __init__(
        self,
        label: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("timeout", timeout), ("backoff", backoff)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise BreakerConfigurationError(
                    f"{name} must be a positive number of seconds, got {value!r}"
                )
        if isinstance(max_backoff, bool) or not isinstance(max_backoff, (int, float)):
            raise BreakerConfigurationError(
                f"max_backoff must be a number of seconds, got {max_backoff!r}"
            )
        if max_backoff < backoff:
            raise BreakerConfigurationError(
                f"max_backoff ({max_backoff!r}) must be >= backoff ({backoff!r})"
            )
        self.label: str = label
        self.timeout: float = float(timeout)
        self._backoff = float(backoff)
        self._max_backoff = float(max_backoff)
        self._clock = clock
        self._delay = 0.0  # the current backoff delay; 0 while Redis answers
        self._retry_at = float("-inf")  # no attempt before this clock reading
        self._failed_at = float("-inf")  # when the last failure was recorded
        self.unreachable: bool = False
        self._errors = _redis_errors()

    def may_try(self) -> bool:
        """Whether a command may be sent now (False while backing off)."""
        return self._clock() >= self._retry_at

    @property
    def retry_in(self) -> float:
        """Seconds until the next attempt is allowed (0 when one is allowed now)."""
        return max(0.0, self._retry_at - self._clock())

    async def run(self, command: Callable[..., Awaitable[T]], *args: Any) -> T | None:
        """Await `command(*args)` within `timeout` and return its result, or `None` when
        backing off, or when Redis failed or took too long (recorded as a failure).

        Only for commands whose result is never `None` (HGETALL, a pipeline).
        """
        started = self._clock()
        if started < self._retry_at:
            return None
        try:
            result = await asyncio.wait_for(command(*args), self.timeout)
        except self._errors as exc:
            self._failed(exc, started)
            return None
        self._answered()
        return result

    def _failed(self, exc: BaseException, started: float) -> None:
        if started <= self._failed_at:
            # Sent in the same round as a failure already counted (several circuits
            # try at once when a backoff ends): one round, one doubling.
            return
        self._failed_at = self._clock()
        self._delay = min(self._max_backoff, self._delay * 2 if self._delay else self._backoff)
        self._retry_at = self._clock() + self._delay
        if not self.unreachable:
            self.unreachable = True
            logger.warning(
                "circuit breaker storage %s: Redis did not answer within %g s (%r); circuits "
                "use their local state, next attempt in %g s (then backing off up to %g s)",
                self.label,
                self.timeout,
                exc,
                self._delay,
                self._max_backoff,
            )

    def _answered(self) -> None:
        self._delay = 0.0
        self._retry_at = float("-inf")
        if self.unreachable:
            self.unreachable = False
            logger.warning("circuit breaker storage %s: Redis answers again", self.label)


def _redis_errors() -> tuple[type[BaseException], ...]:
    # Lazy: this module imports without the redis extra. asyncio.TimeoutError is the
    # builtin TimeoutError from 3.11 on; both are listed for 3.10.
    errors: tuple[type[BaseException], ...] = (OSError, asyncio.TimeoutError, TimeoutError)
    try:
        from redis.exceptions import RedisError  # noqa: PLC0415 - the optional redis extra
    except ImportError:
        return errors
    return (RedisError, *errors)
