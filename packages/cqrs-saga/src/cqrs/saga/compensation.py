"""Compensation: undo the completed steps in reverse order, each with bounded retries."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from cqrs.saga._steps import StepCaller, describe
from cqrs.saga.exceptions import SagaDefinitionError
from cqrs.saga.models import SagaAction, SagaStatus, SagaStepStatus
from cqrs.saga.storage.protocol import ISagaStorage

__all__ = ["CompensationPolicy", "Compensator"]

logger: logging.Logger = logging.getLogger("cqrs.saga")


class CompensationPolicy:
    """How often and how patiently a failing `compensate` is retried.

    `retry_count` attempts in all (at least 1: a step is never marked compensated
    without calling `compensate`); before attempt n+1 the engine waits
    `retry_delay * retry_backoff ** (n - 1)` seconds.
    """

    __slots__ = ("retry_backoff", "retry_count", "retry_delay")

    def __init__(
        self, retry_count: int = 3, retry_delay: float = 1.0, retry_backoff: float = 2.0
    ) -> None:
        if isinstance(retry_count, bool) or not isinstance(retry_count, int) or retry_count < 1:
            raise SagaDefinitionError(
                f"compensation_retry_count must be an integer >= 1 (the number of attempts), "
                f"got {retry_count!r}; 0 would leave steps uncompensated"
            )
        for label, value, low in (("delay", retry_delay, 0.0), ("backoff", retry_backoff, 1.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
                raise SagaDefinitionError(
                    f"compensation_retry_{label} must be a number >= {low:g}, got {value!r}"
                )
        self.retry_count: int = retry_count
        self.retry_delay: float = float(retry_delay)
        self.retry_backoff: float = float(retry_backoff)


class Compensator:
    """Compensates the steps of one saga run and records the outcome in storage."""

    __slots__ = ("_caller", "_policy", "_storage")

    def __init__(
        self, caller: StepCaller, storage: ISagaStorage, policy: CompensationPolicy
    ) -> None:
        self._caller = caller
        self._storage = storage
        self._policy = policy

    async def compensate(
        self,
        saga_id: uuid.UUID,
        context: Any,
        done: Sequence[type[Any]],
        already_compensated: Collection[str] = (),
    ) -> SagaStatus:
        """Compensate `done` (completed steps, in run order) in reverse; return the final status.

        Steps named in `already_compensated` are skipped, so recovery never
        compensates a step twice. A step whose every attempt failed does not stop
        the others; the saga then ends FAILED (recovery retries it), else COMPENSATED.
        """
        storage = self._storage
        await storage.update_status(saga_id, SagaStatus.COMPENSATING)
        all_done = True
        for step_type in reversed(done):
            if step_type.name in already_compensated:
                continue
            if not await self._compensate_step(saga_id, context, step_type):
                all_done = False
        status = SagaStatus.COMPENSATED if all_done else SagaStatus.FAILED
        # Compensations may have changed the context; keep the last state with the outcome.
        await storage.update_context(saga_id, context.to_dict())
        await storage.update_status(saga_id, status)
        return status

    async def _compensate_step(self, saga_id: uuid.UUID, context: Any, step_type: Any) -> bool:
        policy = self._policy
        storage = self._storage
        name = step_type.name
        delay = policy.retry_delay
        for attempt in range(1, policy.retry_count + 1):
            try:
                await self._caller.compensate(step_type, context, saga_id)
            except Exception as exc:
                details = f"attempt {attempt}/{policy.retry_count}: {describe(exc)}"
                await storage.log_step(
                    saga_id, name, SagaAction.COMPENSATE, SagaStepStatus.FAILED, details
                )
                logger.warning("saga %s: compensation of %r failed (%s)", saga_id, name, details)
                if attempt < policy.retry_count:
                    await asyncio.sleep(delay)
                    delay *= policy.retry_backoff
                continue
            await storage.log_step(saga_id, name, SagaAction.COMPENSATE, SagaStepStatus.COMPLETED)
            return True
        return False
