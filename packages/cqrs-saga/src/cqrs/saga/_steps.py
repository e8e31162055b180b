"""How the engine obtains and calls step handlers (private to cqrs.saga)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from cqrs.circuit_breaker import ICircuitBreaker
from cqrs.container.protocol import Container, SupportsSyncFactory
from cqrs.saga.exceptions import SagaStepTimeoutError
from cqrs.saga.models import SagaAction, SagaStepStatus
from cqrs.saga.saga import SagaPosition
from cqrs.saga.step import _IDEMPOTENCY_KEY, SagaStepHandler, SagaStepResult
from cqrs.saga.storage.protocol import ISagaStorage

__all__ = [
    "StepCaller",
    "act_within",
    "assign",
    "default_events",
    "describe",
    "finish",
    "take_events",
]


def describe(exc: BaseException) -> str:
    """The `details` of a failed log entry: the error's type and message."""
    return f"{type(exc).__qualname__}: {exc}"


def assign(target: Any, source: Any) -> None:
    """Make `target` equal to `source` in place (the caller holds `target`).

    Attributes `source` lacks (set by a step outside the declared fields) go too.
    """
    state = vars(source)
    for name in [name for name in vars(target) if name not in state]:
        object.__delattr__(target, name)
    for name, value in state.items():
        object.__setattr__(target, name, value)


async def act_within(handler: Any, context: Any, step_type: Any, saga_id: uuid.UUID) -> Any:
    """`handler.act(context)` bounded by the step's `timeout` (a step failure when exceeded)."""
    timeout = step_type.timeout
    try:
        return await asyncio.wait_for(handler.act(context), timeout)
    except asyncio.TimeoutError as exc:
        raise SagaStepTimeoutError(
            f"step {step_type.name!r} of saga {saga_id} did not finish within its "
            f"timeout of {timeout} s; raise {step_type.__qualname__}.timeout or make "
            "the step faster"
        ) from exc


def finish(result: Any, step_type: Any, saga_id: uuid.UUID) -> SagaStepResult[Any, Any]:
    """The step's result for the consumer: `result` itself, given `saga_id`, when it is one."""
    if result.__class__ is SagaStepResult and result.step_type is step_type:
        result.saga_id = saga_id
        return result
    # A step that returns None (or a bare response) still ran: it is recorded
    # and will be compensated like any other.
    response = result.response if isinstance(result, SagaStepResult) else result
    return SagaStepResult(step_type, response, saga_id)


def default_events(step_type: type[Any]) -> bool:
    """Whether `step_type` keeps the default `events` / `clear_events` (the `_events` list)."""
    return (
        step_type.events is SagaStepHandler.events
        and step_type.clear_events is SagaStepHandler.clear_events
    )


def take_events(handler: Any) -> list[Any]:
    """The events the handler collected, taken out of it (an empty list when none)."""
    events = handler.events
    if events:
        taken = list(events)
        handler.clear_events()
        return taken
    return []


class StepCaller:
    """Builds step handlers through the container (planned once) and calls act/compensate."""

    __slots__ = ("_factories", "_resolve", "_storage")

    def __init__(
        self, container: Container, storage: ISagaStorage, step_types: tuple[type[Any], ...]
    ) -> None:
        factories: dict[type, Callable[[], Any] | None] = {}
        for step_type in step_types:
            factory = None
            if isinstance(container, SupportsSyncFactory):
                factory = container.sync_factory(step_type)
            factories[step_type] = factory
        self._factories = factories
        self._resolve = container.resolve
        self._storage = storage

    def factory(self, step_type: type[Any]) -> Callable[[], Any] | None:
        """The container's synchronous factory of `step_type`, planned at bootstrap (or None)."""
        return self._factories.get(step_type)

    async def resolve(self, step_type: type[Any]) -> Any:
        """A handler of `step_type` from a container whose graph awaits."""
        return await self._resolve(step_type)

    async def act(
        self, step_type: type[SagaStepHandler[Any, Any]], context: Any, saga_id: uuid.UUID
    ) -> tuple[SagaStepResult[Any, Any], list[Any]]:
        """Run the step's `act`: `(its result carrying saga_id, the events it collected)`."""
        factory = self._factories.get(step_type)
        handler = factory() if factory is not None else await self._resolve(step_type)
        token = _IDEMPOTENCY_KEY.set((saga_id, step_type.name))
        try:
            timeout = step_type.timeout
            if timeout is None:
                result = await handler.act(context)
            else:
                result = await act_within(handler, context, step_type, saga_id)
        finally:
            _IDEMPOTENCY_KEY.reset(token)
        return finish(result, step_type, saga_id), take_events(handler)

    async def compensate(
        self, step_type: type[SagaStepHandler[Any, Any]], context: Any, saga_id: uuid.UUID
    ) -> None:
        """Run the step's `compensate` once."""
        factory = self._factories.get(step_type)
        handler = factory() if factory is not None else await self._resolve(step_type)
        token = _IDEMPOTENCY_KEY.set((saga_id, step_type.name))
        try:
            await handler.compensate(context)
        finally:
            _IDEMPOTENCY_KEY.reset(token)

    async def act_position(
        self, position: SagaPosition, context: Any, saga_id: uuid.UUID
    ) -> tuple[type[Any], SagaStepResult[Any, Any], list[Any]]:
        """Run a fallback position's step, or its fallback: `(step that ran, result, events)`.

        Each failure is logged under the name of the step that failed. (A position
        without fallback is run by the engine's loop itself.)
        """
        primary = position.primary
        fallback = position.fallback
        assert fallback is not None
        snapshot = context.to_dict()
        try:
            result, events = await self._logged_act(
                primary, context, saga_id, fallback.circuit_breaker
            )
            return primary, result, events
        except Exception as exc:
            if not fallback.falls_back(exc):
                raise
        # The primary may have changed the context before failing: the fallback
        # starts from the state the step started with.
        assign(context, type(context).from_dict(**snapshot))
        alternative = fallback.fallback
        result, events = await self._logged_act(alternative, context, saga_id, None)
        return alternative, result, events

    async def _logged_act(
        self, step: Any, context: Any, saga_id: uuid.UUID, breaker: ICircuitBreaker | None
    ) -> tuple[SagaStepResult[Any, Any], list[Any]]:
        try:
            if breaker is None:
                return await self.act(step, context, saga_id)
            return await breaker.call(step, self.act, step, context, saga_id)
        except Exception as exc:
            await self._storage.log_step(
                saga_id, step.name, SagaAction.ACT, SagaStepStatus.FAILED, describe(exc)
            )
            raise
