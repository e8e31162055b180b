"""What request and event fallbacks share: their fields, option checks, the fall-back rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from cqrs.circuit_breaker import ExcludingCircuitBreaker, ICircuitBreaker

__all__ = ["FallBackRule", "FallbackBinding", "check_options", "fall_back_rule"]

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


@dataclasses.dataclass(frozen=True)
class FallbackBinding:
    """A primary handler, its fallback, what triggers it, and an optional circuit breaker.

    Subclasses check their handlers in `_check_handlers`; the options are checked
    and the fall-back rule planned here, once, when the binding is built.
    """

    primary: type
    fallback: type
    failure_exceptions: tuple[type[BaseException], ...] = ()
    circuit_breaker: ICircuitBreaker | None = None
    # Planned in __post_init__ from the options above (which optional breaker
    # methods exist is decided once, not looked up per call).
    _falls_back: FallBackRule = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check_handlers()
        check_options(self.failure_exceptions, self.circuit_breaker)
        rule = fall_back_rule(self.failure_exceptions, self.circuit_breaker)
        object.__setattr__(self, "_falls_back", rule)  # frozen: set once, here

    def _check_handlers(self) -> None:
        """Raise `TypeError` for handlers this kind of fallback cannot bind."""

    def should_fall_back(self, exc: BaseException) -> bool:
        """Whether a failure of the primary sends the message to the fallback."""
        return self._falls_back(exc)
