"""`Saga[Ctx]`: an ordered list of steps, and its plan (checked once, fingerprinted)."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Generic, TypeVar

from cqrs.saga.exceptions import SagaDefinitionError
from cqrs.saga.fallback import Fallback
from cqrs.saga.models import SagaContext
from cqrs.saga.step import SagaStepHandler

__all__ = ["Saga", "SagaPlan", "SagaPosition", "plan_of"]

ContextT = TypeVar("ContextT", bound=SagaContext)


class Saga(Generic[ContextT]):
    """A saga definition: `steps = [StepA, Fallback(step=B, fallback=C), StepD]`.

    Subclass it once per business transaction. Instances carry no state (the
    seeds pass `OrderSaga()` to `recover_saga` and `SagaMermaid`); the run state
    lives in the saga storage. The stored `name` of a saga defaults to its
    qualified class name.
    """

    steps: ClassVar[list[Any]] = []
    name: ClassVar[str] = "Saga"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__qualname__


class SagaPosition:
    """One position of a saga: a step, or a fallback pair (primary first)."""

    __slots__ = ("fallback", "names", "primary")

    def __init__(
        self, primary: type[SagaStepHandler[Any, Any]], fallback: Fallback[Any] | None
    ) -> None:
        self.primary: type[SagaStepHandler[Any, Any]] = primary
        self.fallback: Fallback[Any] | None = fallback
        self.names: tuple[str, ...] = (
            (primary.name,) if fallback is None else (primary.name, fallback.fallback.name)
        )

    def step_named(self, name: str) -> type[SagaStepHandler[Any, Any]] | None:
        """The step of this position stored under `name`, if any."""
        if name == self.primary.name:
            return self.primary
        if self.fallback is not None and name == self.fallback.fallback.name:
            return self.fallback.fallback
        return None

    @property
    def step_types(self) -> tuple[type[SagaStepHandler[Any, Any]], ...]:
        """The step classes of this position (primary first)."""
        if self.fallback is None:
            return (self.primary,)
        return (self.primary, self.fallback.fallback)


class SagaPlan:
    """A checked saga definition: its positions and the fingerprint of its step list."""

    __slots__ = ("fingerprint", "name", "positions", "saga_type")

    def __init__(self, saga_type: type[Saga[Any]]) -> None:
        steps = saga_type.__dict__.get("steps", getattr(saga_type, "steps", None))
        if not isinstance(steps, (list, tuple)) or not steps:
            raise SagaDefinitionError(
                f"{saga_type.__qualname__}.steps must be a non-empty list of SagaStepHandler "
                f"classes or Fallback(...) entries, got {steps!r}"
            )
        positions: list[SagaPosition] = []
        seen: dict[str, Any] = {}
        for entry in steps:
            position = _position(saga_type, entry)
            for name, cls in zip(position.names, position.step_types):
                if name in seen:
                    raise SagaDefinitionError(
                        f"{saga_type.__qualname__}: two steps are stored under the name "
                        f"{name!r} ({seen[name].__qualname__} and {cls.__qualname__}); step "
                        "names identify steps in the saga log, so give each a distinct `name`"
                    )
                seen[name] = cls
            positions.append(position)
        self.saga_type: type[Saga[Any]] = saga_type
        self.name: str = saga_type.name
        self.positions: tuple[SagaPosition, ...] = tuple(positions)
        # Recovery compares it with the stored one: a changed step list must not be
        # resumed against a log written by the old one.
        layout = "\n".join("/".join(position.names) for position in positions)
        self.fingerprint: str = hashlib.sha256(layout.encode()).hexdigest()[:16]


_PLANS: dict[type, SagaPlan] = {}


def plan_of(saga: type[Saga[Any]] | Saga[Any]) -> SagaPlan:
    """The checked plan of a saga class (or instance), built once per class."""
    saga_type = saga if isinstance(saga, type) else type(saga)
    if not (isinstance(saga_type, type) and issubclass(saga_type, Saga)):
        raise SagaDefinitionError(f"expected a Saga subclass or instance, got {saga!r}")
    plan = _PLANS.get(saga_type)
    if plan is None:
        plan = _PLANS[saga_type] = SagaPlan(saga_type)
    return plan


def _position(saga_type: type, entry: Any) -> SagaPosition:
    if isinstance(entry, Fallback):
        return SagaPosition(entry.step, entry)
    if isinstance(entry, type) and issubclass(entry, SagaStepHandler):
        return SagaPosition(entry, None)
    raise SagaDefinitionError(
        f"{saga_type.__qualname__}.steps contains {entry!r}, which is neither a "
        "SagaStepHandler subclass nor a Fallback(step=..., fallback=...)"
    )
