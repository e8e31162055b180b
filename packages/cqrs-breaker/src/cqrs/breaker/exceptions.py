"""The exception tree of cqrs-breaker, rooted at `cqrs.CQRSError`.

aiobreaker's own `CircuitBreakerError` never reaches callers: a rejected call
raises `CircuitOpenError` chained (`from`) to it, and a call that ran and failed
re-raises the call's own exception.
"""

from __future__ import annotations

from cqrs.exceptions import ConfigurationError, CQRSError

__all__ = ["BreakerConfigurationError", "BreakerError", "CircuitOpenError"]


class BreakerError(CQRSError):
    """Root of the errors raised by cqrs-breaker."""


class BreakerConfigurationError(BreakerError, ConfigurationError, ValueError):
    """An `AioBreakerAdapter` or a storage was given an argument it cannot use."""


class CircuitOpenError(BreakerError):
    """The circuit is open: the call was refused without being made.

    `circuit` names the circuit (the qualified name of the handler or step type,
    or the string identifier). `retry_after` is the number of seconds until the
    next trial call is allowed, or `None` when unknown (a trial call is already
    in flight, or the storage holds no opening time). Fallbacks recognise this
    error through `AioBreakerAdapter.is_circuit_breaker_error` and answer with
    the fallback handler instead.
    """

    def __init__(self, circuit: str, retry_after: float | None, reason: str) -> None:
        super().__init__(circuit, retry_after, reason)
        self.circuit = circuit
        self.retry_after = retry_after
        self.reason = reason

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
