"""The exception tree of cqrs-breaker, rooted at `cqrs.CQRSError`.

A rejected call raises `CircuitOpenError`, chained (`from`) to aiobreaker's
`CircuitBreakerError` and also a subclass of it, so code written against
aiobreaker (`except CircuitBreakerError`) keeps catching it. A call that ran
and failed re-raises the call's own exception.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cqrs.exceptions import ConfigurationError, CQRSError

if TYPE_CHECKING:
    # aiobreaker ships no type information: to checkers its error is an unknown
    # class, which would make CircuitOpenError's whole interface unknown. They see
    # an Exception base (the attributes aiobreaker's error has are declared below).
    _AioBreakerError = Exception
else:
    from aiobreaker import CircuitBreakerError as _AioBreakerError

__all__ = ["BreakerConfigurationError", "BreakerError", "CircuitOpenError"]


class BreakerError(CQRSError):
    """Root of the errors raised by cqrs-breaker."""


class BreakerConfigurationError(BreakerError, ConfigurationError, ValueError):
    """An `AioBreakerAdapter` or a storage was given an argument it cannot use."""


class CircuitOpenError(BreakerError, _AioBreakerError):
    """The circuit is open: the call was refused without being made.

    `circuit` names the circuit (the qualified name of the handler or step type,
    or the string identifier). `retry_after` is the number of seconds until the
    next trial call is allowed, or `None` when unknown (a trial call is already
    in flight, or the storage holds no opening time). Fallbacks recognise this
    error through `AioBreakerAdapter.is_circuit_breaker_error` and answer with
    the fallback handler instead.

    It is also an `aiobreaker.CircuitBreakerError`, with that class's
    attributes: `message` (the reason) and `reopen_time` (naive UTC datetime
    of the next trial, or `None`).
    """

    def __init__(
        self,
        circuit: str,
        retry_after: float | None,
        reason: str,
        reopen_time: datetime | None = None,
    ) -> None:
        # Exception's own __init__: aiobreaker's takes (message, reopen_time) and
        # would not keep `args`, which pickling and repr rely on.
        Exception.__init__(self, circuit, retry_after, reason)
        self.circuit: str = circuit
        self.retry_after: float | None = retry_after
        self.reason: str = reason
        self.message: str = reason
        self.reopen_time: datetime | None = reopen_time

    def __str__(self) -> str:
        # Built on demand: a rejected call is on the fallback's fast path, and most
        # of these errors are recognised and dropped without being printed.
        when = (
            "when a trial call may pass"
            if self.retry_after is None
            else f"in {self.retry_after:.3g} s"
        )
        return (
            f"circuit {self.circuit!r} is open ({self.reason}); the call was not made. "
            f"Retry {when}, bind a fallback for it, or raise fail_max/lower "
            "timeout_duration if it opens too eagerly."
        )
