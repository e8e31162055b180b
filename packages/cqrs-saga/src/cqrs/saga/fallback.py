"""`Fallback`: a saga position with a primary step and an alternative one."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from cqrs.circuit_breaker import ICircuitBreaker
from cqrs.saga.exceptions import SagaDefinitionError
from cqrs.saga.step import SagaStepHandler

__all__ = ["Fallback"]

StepT = TypeVar("StepT", bound=SagaStepHandler[Any, Any])


class Fallback(Generic[StepT]):
    """Run `step`; when it fails with one of `failure_exceptions`, run `fallback` instead.

    - `failure_exceptions`: the exceptions that trigger the fallback; empty means
      any `Exception`. Others fail the saga (and compensate) as usual.
    - `circuit_breaker`: a `cqrs.circuit_breaker.ICircuitBreaker` wrapping the
      primary, keyed by the primary class; an open circuit goes straight to the
      fallback whatever `failure_exceptions` says.

    The context is restored to its state before the primary ran, then the fallback
    runs. The step that actually ran is the one logged, yielded and compensated.
    """

    __slots__ = ("circuit_breaker", "failure_exceptions", "fallback", "step")

    def __init__(
        self,
        step: type[StepT],
        fallback: type[StepT],
        failure_exceptions: tuple[type[BaseException], ...] = (),
        circuit_breaker: ICircuitBreaker | None = None,
    ) -> None:
        for role, cls in (("step", step), ("fallback", fallback)):
            if not (isinstance(cls, type) and issubclass(cls, SagaStepHandler)):
                raise SagaDefinitionError(
                    f"Fallback({role}=...) needs a SagaStepHandler subclass, got {cls!r}"
                )
        if step is fallback:
            raise SagaDefinitionError(
                f"Fallback(step={step.__qualname__}, fallback={fallback.__qualname__}): a step "
                "cannot be its own fallback; give a different SagaStepHandler class"
            )
        if not isinstance(failure_exceptions, tuple) or not all(
            isinstance(exc, type) and issubclass(exc, BaseException) for exc in failure_exceptions
        ):
            raise SagaDefinitionError(
                f"failure_exceptions must be a tuple of exception classes, got "
                f"{failure_exceptions!r}"
            )
        if circuit_breaker is not None and not isinstance(circuit_breaker, ICircuitBreaker):
            raise SagaDefinitionError(
                "circuit_breaker must implement cqrs.circuit_breaker.ICircuitBreaker "
                f"(call, is_circuit_breaker_error), got {circuit_breaker!r}"
            )
        self.step: type[StepT] = step
        self.fallback: type[StepT] = fallback
        self.failure_exceptions: tuple[type[BaseException], ...] = failure_exceptions
        self.circuit_breaker: ICircuitBreaker | None = circuit_breaker

    def falls_back(self, exc: BaseException) -> bool:
        """Whether the failure `exc` of the primary hands over to the fallback."""
        breaker = self.circuit_breaker
        if breaker is not None:
            if breaker.is_circuit_breaker_error(exc):
                return True
            is_excluded: Any = getattr(breaker, "is_excluded", None)
            if is_excluded is not None and is_excluded(exc):
                return False
        if not self.failure_exceptions:
            return isinstance(exc, Exception)
        return isinstance(exc, self.failure_exceptions)

    def __repr__(self) -> str:
        return f"Fallback(step={self.step.__qualname__}, fallback={self.fallback.__qualname__})"
