"""What request and event fallbacks share: option checks and the fall-back decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cqrs.circuit_breaker import ExcludingCircuitBreaker, ICircuitBreaker

__all__ = ["FallBackRule", "check_options", "fall_back_rule"]

#: Decides, for a failure of the primary, whether the fallback answers.
FallBackRule = Callable[[BaseException], bool]


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


def fall_back_rule(
    failure_exceptions: tuple[type[BaseException], ...],
    circuit_breaker: ICircuitBreaker | None,
) -> FallBackRule:
    """The decision of one fallback binding, planned once when the binding is built.

    An open circuit always falls back; otherwise the listed exceptions (empty:
    any `Exception`). A breaker that implements `ExcludingCircuitBreaker` has
    its excluded (business) exceptions reach the caller: they neither trip it
    nor trigger the fallback.
    """
    caught = failure_exceptions or (Exception,)
    if circuit_breaker is None:

        def listed(exc: BaseException) -> bool:
            return isinstance(exc, caught)

        return listed
    is_open = circuit_breaker.is_circuit_breaker_error
    if not isinstance(circuit_breaker, ExcludingCircuitBreaker):

        def open_or_listed(exc: BaseException) -> bool:
            return is_open(exc) or isinstance(exc, caught)

        return open_or_listed
    is_excluded = circuit_breaker.is_excluded

    def open_or_listed_not_excluded(exc: BaseException) -> bool:
        if is_open(exc):
            return True
        return not is_excluded(exc) and isinstance(exc, caught)

    return open_or_listed_not_excluded
