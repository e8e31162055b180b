"""What request and event fallbacks share: option checks and the fall-back decision."""

from __future__ import annotations

from typing import Any

from cqrs.circuit_breaker import ICircuitBreaker

__all__ = ["check_options", "falls_back"]


def check_options(failure_exceptions: Any, circuit_breaker: Any) -> None:
    """Raise `TypeError` for a malformed `failure_exceptions` or `circuit_breaker`."""
    if not isinstance(failure_exceptions, tuple) or not all(
        isinstance(exc, type) and issubclass(exc, BaseException) for exc in failure_exceptions
    ):
        raise TypeError(
            f"failure_exceptions must be a tuple of exception types, got {failure_exceptions!r}"
        )
    if circuit_breaker is not None and not isinstance(circuit_breaker, ICircuitBreaker):
        raise TypeError(
            "circuit_breaker must implement cqrs.circuit_breaker.ICircuitBreaker "
            f"(call, is_circuit_breaker_error), got {circuit_breaker!r}"
        )


def falls_back(
    exc: BaseException,
    failure_exceptions: tuple[type[BaseException], ...],
    circuit_breaker: ICircuitBreaker | None,
) -> bool:
    """An open circuit always falls back; otherwise the listed exceptions (empty: any).

    A breaker may also implement `is_excluded(exc)`: the business exceptions it
    excludes neither trip it nor trigger the fallback; they reach the caller.
    """
    if circuit_breaker is not None:
        if circuit_breaker.is_circuit_breaker_error(exc):
            return True
        is_excluded = getattr(circuit_breaker, "is_excluded", None)
        if is_excluded is not None and is_excluded(exc):
            return False
    if not failure_exceptions:
        return isinstance(exc, Exception)
    return isinstance(exc, failure_exceptions)
