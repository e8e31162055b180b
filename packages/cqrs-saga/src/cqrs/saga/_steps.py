"""How the engine obtains and calls step handlers (private to cqrs.saga)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from cqrs.container.protocol import Container, SupportsSyncFactory
from cqrs.saga.exceptions import SagaStepTimeoutError
from cqrs.saga.step import _IDEMPOTENCY_KEY, SagaStepHandler, SagaStepResult

__all__ = ["StepCaller", "describe"]


def describe(exc: BaseException) -> str:
    """The `details` of a failed log entry: the error's type and message."""
    return f"{type(exc).__qualname__}: {exc}"


class StepCaller:
    """Builds step handlers through the container (planned once) and calls act/compensate."""

    __slots__ = ("_factories", "_resolve")

    def __init__(self, container: Container, step_types: tuple[type[Any], ...]) -> None:
        factories: dict[type, Callable[[], Any] | None] = {}
        for step_type in step_types:
            factory = None
            if isinstance(container, SupportsSyncFactory):
                factory = container.sync_factory(step_type)
            factories[step_type] = factory
        self._factories = factories
        self._resolve = container.resolve

    async def _build(self, step_type: type[SagaStepHandler[Any, Any]]) -> Any:
        factory = self._factories.get(step_type)
        if factory is not None:
            return factory()
        return await self._resolve(step_type)

    async def act(
        self, step_type: type[SagaStepHandler[Any, Any]], context: Any, saga_id: uuid.UUID
    ) -> tuple[Any, list[Any]]:
        """Run the step's `act`: `(response, events it collected)`."""
        handler = await self._build(step_type)
        token = _IDEMPOTENCY_KEY.set(f"{saga_id}:{step_type.name}")
        try:
            timeout = step_type.timeout
            if timeout is None:
                result = await handler.act(context)
            else:
                try:
                    result = await asyncio.wait_for(handler.act(context), timeout)
                except asyncio.TimeoutError as exc:
                    raise SagaStepTimeoutError(
                        f"step {step_type.name!r} of saga {saga_id} did not finish within its "
                        f"timeout of {timeout} s; raise {step_type.__qualname__}.timeout or make "
                        "the step faster"
                    ) from exc
        finally:
            _IDEMPOTENCY_KEY.reset(token)
        # A step that returns None (or a bare response) still ran: it is recorded and
        # will be compensated like any other.
        response = result.response if isinstance(result, SagaStepResult) else result
        events = handler.events
        if events:
            taken = list(events)
            handler.clear_events()
            return response, taken
        return response, []

    async def compensate(
        self, step_type: type[SagaStepHandler[Any, Any]], context: Any, saga_id: uuid.UUID
    ) -> None:
        """Run the step's `compensate` once."""
        handler = await self._build(step_type)
        token = _IDEMPOTENCY_KEY.set(f"{saga_id}:{step_type.name}")
        try:
            await handler.compensate(context)
        finally:
            _IDEMPOTENCY_KEY.reset(token)
