"""The saga state machine: act step by step, compensate on failure, resume from the log.

Order of work for each step (what a crash at any point leaves behind):
1. log `act/started` under the step's name;
2. call `act` (through the circuit breaker for a fallback position; on a
   qualifying failure log `act/failed` under the primary's name, restore the
   context and run the fallback the same way);
3. log `act/completed` under the name of the step that ran;
4. persist the context (optimistic version check);
5. process the step's events;
6. yield the step's result.
A step with `started` but no `completed` entry did not complete: recovery runs it
again (with the same idempotency key). A consumer that stops iterating at 6
leaves a RUNNING saga whose log is complete up to that step.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from cqrs.circuit_breaker import ICircuitBreaker
from cqrs.container.protocol import Container
from cqrs.saga._steps import StepCaller, describe
from cqrs.saga.compensation import CompensationPolicy, Compensator
from cqrs.saga.exceptions import SagaAlreadyExistsError, SagaDefinitionChanged
from cqrs.saga.models import SagaAction, SagaLogEntry, SagaStatus, SagaStepStatus
from cqrs.saga.saga import SagaPlan, SagaPosition
from cqrs.saga.step import SagaStepResult
from cqrs.saga.storage.protocol import ISagaStorage, SagaRecord

__all__ = ["SagaEngine"]

#: Processes the events a step collected (the core's EventProcessor).
Emit = Callable[[list[Any]], Awaitable[None]]

_ACT, _COMPENSATE = SagaAction.ACT, SagaAction.COMPENSATE
_STARTED, _COMPLETED, _FAILED = (
    SagaStepStatus.STARTED,
    SagaStepStatus.COMPLETED,
    SagaStepStatus.FAILED,
)


class SagaEngine:
    """Runs the sagas of one definition against one storage (built once, at bootstrap)."""

    __slots__ = ("_caller", "_compensator", "_emit", "_plan", "_storage")

    def __init__(
        self,
        plan: SagaPlan,
        container: Container,
        storage: ISagaStorage,
        emit: Emit,
        policy: CompensationPolicy,
    ) -> None:
        step_types = tuple(t for position in plan.positions for t in position.step_types)
        self._plan = plan
        self._storage = storage
        self._emit = emit
        self._caller = StepCaller(container, step_types)
        self._compensator = Compensator(self._caller, storage, policy)

    @property
    def plan(self) -> SagaPlan:
        """The checked definition this engine runs."""
        return self._plan

    @property
    def storage(self) -> ISagaStorage:
        """Where this engine keeps its sagas."""
        return self._storage

    async def run(
        self, context: Any, saga_id: uuid.UUID
    ) -> AsyncIterator[SagaStepResult[Any, Any]]:
        """Start the saga `saga_id`, or continue it if the storage already holds it.

        A COMPLETED or COMPENSATED saga yields nothing and acts no more. A RUNNING
        one continues after its last completed step, from its stored context (the
        given `context` object is updated to it). A COMPENSATING or FAILED one
        finishes its compensation and yields nothing.
        """
        plan = self._plan
        try:
            await self._storage.create_saga(
                saga_id, plan.name, context.to_dict(), fingerprint=plan.fingerprint
            )
        except SagaAlreadyExistsError:
            record = await self._storage.load_saga(saga_id)
            self._check(record)
            if record.status in (SagaStatus.COMPLETED, SagaStatus.COMPENSATED):
                return
            _assign(context, type(context).from_dict(**record.context))
            history = await self._storage.get_step_history(saga_id)
            if record.status is not SagaStatus.RUNNING:
                await self._finish_compensation(saga_id, context, history)
                return
            done = self._replay(history)
            forward = self._forward(saga_id, context, done, record.version)
        else:
            forward = self._forward(saga_id, context, [], 1)
        async for result in forward:
            yield result

    async def resume(self, saga_id: uuid.UUID, context: Any) -> SagaStatus:
        """Bring a stored saga to a final status (see `cqrs.saga.recovery.recover_saga`)."""
        record = await self._storage.load_saga(saga_id)
        self._check(record)
        if record.status in (SagaStatus.COMPLETED, SagaStatus.COMPENSATED):
            return record.status
        history = await self._storage.get_step_history(saga_id)
        if record.status is not SagaStatus.RUNNING:
            return await self._finish_compensation(saga_id, context, history)
        try:
            async for _ in self._forward(saga_id, context, self._replay(history), record.version):
                pass
        except Exception:
            status, _, _ = await self._storage.load_saga_state(saga_id)
            if status in (SagaStatus.COMPENSATED, SagaStatus.FAILED):
                return status  # a step failed and was compensated: recorded, not an error here
            raise
        return SagaStatus.COMPLETED

    def _check(self, record: SagaRecord) -> None:
        plan = self._plan
        if record.fingerprint and record.fingerprint != plan.fingerprint:
            raise SagaDefinitionChanged(
                f"saga {record.saga_id} ({record.name!r}) was stored with step list fingerprint "
                f"{record.fingerprint}, but {plan.saga_type.__qualname__} now has "
                f"{plan.fingerprint} (steps: {[p.names for p in plan.positions]}); it cannot "
                "be resumed by the changed definition: keep the old definition (under the same "
                "step names) to finish it, or resolve it by hand"
            )

    def _replay(self, history: Sequence[SagaLogEntry]) -> list[type[Any]]:
        """The steps that completed `act`, in run order: the prefix of positions that ran."""
        completed = {e.step_name for e in history if e.action is _ACT and e.status is _COMPLETED}
        done: list[type[Any]] = []
        for position in self._plan.positions:
            ran = next((t for t in position.step_types if t.name in completed), None)
            if ran is None:
                break
            done.append(ran)
        return done

    async def _finish_compensation(
        self, saga_id: uuid.UUID, context: Any, history: Sequence[SagaLogEntry]
    ) -> SagaStatus:
        compensated = {
            e.step_name for e in history if e.action is _COMPENSATE and e.status is _COMPLETED
        }
        return await self._compensator.compensate(
            saga_id, context, self._replay(history), compensated
        )

    async def _forward(
        self, saga_id: uuid.UUID, context: Any, done: list[type[Any]], version: int
    ) -> AsyncIterator[SagaStepResult[Any, Any]]:
        storage = self._storage
        for position in self._plan.positions[len(done) :]:
            try:
                ran, response, events = await self._act(position, context, saga_id)
                await storage.log_step(saga_id, ran.name, _ACT, _COMPLETED)
                done.append(ran)
                await storage.update_context(saga_id, context.to_dict(), version)
                version += 1
                if events:
                    await self._emit(events)
            except Exception:
                await self._compensator.compensate(saga_id, context, done)
                raise
            yield SagaStepResult(step_type=ran, response=response, saga_id=saga_id)
        await storage.update_status(saga_id, SagaStatus.COMPLETED)

    async def _act(
        self, position: SagaPosition, context: Any, saga_id: uuid.UUID
    ) -> tuple[type[Any], Any, list[Any]]:
        primary = position.primary
        fallback = position.fallback
        if fallback is None:
            response, events = await self._logged_act(primary, context, saga_id, None)
            return primary, response, events
        snapshot = context.to_dict()
        try:
            response, events = await self._logged_act(
                primary, context, saga_id, fallback.circuit_breaker
            )
            return primary, response, events
        except Exception as exc:
            if not fallback.falls_back(exc):
                raise
        # The primary may have changed the context before failing: the fallback
        # starts from the state the step started with.
        _assign(context, type(context).from_dict(**snapshot))
        alternative = fallback.fallback
        response, events = await self._logged_act(alternative, context, saga_id, None)
        return alternative, response, events

    async def _logged_act(
        self, step: Any, context: Any, saga_id: uuid.UUID, breaker: ICircuitBreaker | None
    ) -> tuple[Any, list[Any]]:
        """Log `started`, run `act` (through `breaker`, keyed by the step), log a failure."""
        storage = self._storage
        await storage.log_step(saga_id, step.name, _ACT, _STARTED)
        try:
            if breaker is None:
                return await self._caller.act(step, context, saga_id)
            return await breaker.call(step, self._caller.act, step, context, saga_id)
        except Exception as exc:
            await storage.log_step(saga_id, step.name, _ACT, _FAILED, describe(exc))
            raise


def _assign(target: Any, source: Any) -> None:
    """Make `target` equal to `source` in place (the caller holds `target`).

    Attributes `source` lacks (set by a step outside the declared fields) go too.
    """
    state = vars(source)
    for name in [name for name in vars(target) if name not in state]:
        object.__delattr__(target, name)
    for name, value in state.items():
        object.__setattr__(target, name, value)
