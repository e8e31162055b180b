"""The saga state machine: act step by step, compensate on failure, resume from the log.

Order of work for each step (what a crash at any point leaves behind):
1. call `act` (through the circuit breaker for a fallback position; on a
   qualifying failure log `act/failed` under the primary's name, restore the
   context and run the fallback the same way);
2. persist the context and log `act/completed` under the name of the step that
   ran, in one storage call (`complete_step`, optimistic version check);
3. process the step's events;
4. return the step's result to the consumer (the last step marks the saga
   COMPLETED first).
A step without a `completed` entry did not complete: recovery runs it again, with
the same idempotency key. A consumer that stops iterating after 4 leaves a
RUNNING saga whose log is complete up to that step.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from cqrs.container.protocol import Container
from cqrs.saga._steps import (
    StepCaller,
    act_within,
    assign,
    default_events,
    describe,
    finish,
    take_events,
)
from cqrs.saga.compensation import CompensationPolicy, Compensator
from cqrs.saga.exceptions import SagaAlreadyExistsError, SagaDefinitionChanged
from cqrs.saga.models import SagaAction, SagaLogEntry, SagaStatus, SagaStepStatus
from cqrs.saga.saga import SagaPlan
from cqrs.saga.step import _IDEMPOTENCY_KEY, SagaStepResult
from cqrs.saga.storage.protocol import ISagaStorage, SagaRecord

__all__ = ["SagaEngine", "SagaRun"]

#: Processes the events a step collected (the core's EventProcessor).
Emit = Callable[[list[Any]], Awaitable[None]]

_ACT, _COMPENSATE = SagaAction.ACT, SagaAction.COMPENSATE
_COMPLETED, _FAILED = SagaStepStatus.COMPLETED, SagaStepStatus.FAILED
_DONE = SagaStatus.COMPLETED
_NO_EVENTS: list[Any] = []  # never appended to: only tested for truth
_set_key, _reset_key = _IDEMPOTENCY_KEY.set, _IDEMPOTENCY_KEY.reset

#: A position without fallback, planned for the run loop: (step class, its stored
#: name, the container's synchronous factory or None, its timeout or None, whether
#: it collects events in `self._events` the default way).
_Direct = tuple[type[Any], str, "Callable[[], Any] | None", "float | None", bool]


class SagaEngine:
    """Runs the sagas of one definition against one storage (built once, at bootstrap)."""

    __slots__ = ("_caller", "_compensator", "_count", "_direct", "_emit", "_plan", "_storage")

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
        self._caller = caller = StepCaller(container, storage, step_types)
        self._compensator = Compensator(caller, storage, policy)
        self._count = len(plan.positions)
        # What each step of the run loop needs, looked up once here rather than per call.
        self._direct: tuple[_Direct | None, ...] = tuple(
            None
            if position.fallback is not None
            else (
                position.primary,
                position.primary.name,
                caller.factory(position.primary),
                position.primary.timeout,
                default_events(position.primary),
            )
            for position in plan.positions
        )

    @property
    def plan(self) -> SagaPlan:
        """The checked definition this engine runs."""
        return self._plan

    @property
    def storage(self) -> ISagaStorage:
        """Where this engine keeps its sagas."""
        return self._storage

    def run(self, context: Any, saga_id: uuid.UUID) -> AsyncIterator[SagaStepResult[Any, Any]]:
        """Start the saga `saga_id`, or continue it if the storage already holds it.

        A COMPLETED or COMPENSATED saga yields nothing and acts no more. A RUNNING
        one continues after its last completed step, from its stored context (the
        given `context` object is updated to it). A COMPENSATING or FAILED one
        finishes its compensation and yields nothing.
        """
        return SagaRun(self, saga_id, context, None, 0)

    async def load(self, saga_id: uuid.UUID, context: Any) -> tuple[list[type[Any]], int] | None:
        """Load a stored saga to go on with: `(steps done, version)`, None if finished."""
        storage = self._storage
        record = await storage.load_saga(saga_id)
        self._check(record)
        if record.status in (SagaStatus.COMPLETED, SagaStatus.COMPENSATED):
            return None
        assign(context, type(context).from_dict(**record.context))
        history = await storage.get_step_history(saga_id)
        if record.status is not SagaStatus.RUNNING:
            await self._finish_compensation(saga_id, context, history)
            return None
        return self._replay(history), record.version

    async def resume(self, saga_id: uuid.UUID, context: Any) -> SagaStatus:
        """Bring a stored saga to a final status (see `cqrs.saga.recovery.recover_saga`)."""
        record = await self._storage.load_saga(saga_id)
        self._check(record)
        if record.status in (SagaStatus.COMPLETED, SagaStatus.COMPENSATED):
            return record.status
        history = await self._storage.get_step_history(saga_id)
        if record.status is not SagaStatus.RUNNING:
            return await self._finish_compensation(saga_id, context, history)
        done = self._replay(history)
        if len(done) == len(self._plan.positions):  # interrupted after its last step
            await self._storage.update_status(saga_id, SagaStatus.COMPLETED)
            return SagaStatus.COMPLETED
        try:
            async for _ in SagaRun(self, saga_id, context, done, record.version):
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


class SagaRun:
    """The async iterator of one saga run: each `__anext__` completes one step.

    For each step: run it (or its fallback), persist the context, log the
    completion, process its events, return its result; the last step marks the
    saga COMPLETED first. A failure compensates the completed steps (this one
    included, once its act ran) and is raised; the run is then over.

    A class rather than an async generator: it needs no finalizer, so a consumer
    that stops early leaves nothing to close (the saga stays RUNNING, resumable).
    """

    __slots__ = ("_closed", "_context", "_done", "_engine", "_saga_id", "_version")

    def __init__(
        self,
        engine: SagaEngine,
        saga_id: uuid.UUID,
        context: Any,
        done: list[type[Any]] | None,
        version: int,
    ) -> None:
        self._engine = engine
        self._saga_id = saga_id
        self._context = context
        self._done = done  # None: the saga is created (or loaded) by the first __anext__
        self._version = version
        self._closed = False

    def __aiter__(self) -> SagaRun:
        return self

    async def __anext__(self) -> SagaStepResult[Any, Any]:
        """Run the next step and return its result; `StopAsyncIteration` after the last."""
        if self._closed:
            raise StopAsyncIteration
        engine = self._engine
        done = self._done
        if done is not None and len(done) == engine._count:
            self._closed = True
            raise StopAsyncIteration
        saga_id = self._saga_id
        context = self._context
        storage = engine._storage
        try:
            if done is None:
                plan = engine._plan
                try:
                    await storage.create_saga(
                        saga_id, plan.name, context.to_dict(), fingerprint=plan.fingerprint
                    )
                    done = self._done = []
                    self._version = 1
                except SagaAlreadyExistsError:
                    start = await engine.load(saga_id, context)
                    if start is None:
                        raise StopAsyncIteration from None
                    done, self._version = start
                    self._done = done
            index = len(done)
            if index == engine._count:
                raise StopAsyncIteration
            direct = engine._direct[index]
            try:
                if direct is None:
                    ran, result, events = await engine._caller.act_position(
                        engine._plan.positions[index], context, saga_id
                    )
                else:
                    ran, name, factory, timeout, plain_events = direct
                    try:
                        handler = (
                            factory() if factory is not None else await engine._caller.resolve(ran)
                        )
                        token = _set_key((saga_id, name))
                        try:
                            if timeout is None:
                                result = await handler.act(context)
                            else:
                                result = await act_within(handler, context, ran, saga_id)
                        finally:
                            _reset_key(token)
                        if result.__class__ is SagaStepResult and result.step_type is ran:
                            result.saga_id = saga_id
                        else:
                            result = finish(result, ran, saga_id)
                        if plain_events:
                            # What the default `events` / `clear_events` do, without the
                            # property call: the list `self._events`, if any, taken out.
                            collected = getattr(handler, "_events", None)
                            if isinstance(collected, list) and collected:
                                events = list(collected)
                                collected.clear()
                            else:
                                events = _NO_EVENTS
                        else:
                            events = take_events(handler)
                    except Exception as exc:
                        await storage.log_step(saga_id, name, _ACT, _FAILED, describe(exc))
                        raise
                # Its act ran: from here on a failure compensates this step too.
                done.append(ran)
                # One call (one commit) for context, log entry and, after the last
                # step, the COMPLETED status; a crash before it re-runs the step on
                # recovery (same idempotency key).
                if index + 1 == engine._count:
                    await storage.complete_step(
                        saga_id, ran.name, context.to_dict(), self._version, status=_DONE
                    )
                else:
                    await storage.complete_step(saga_id, ran.name, context.to_dict(), self._version)
                self._version += 1
                if events:
                    await engine._emit(events)
            except Exception:
                await engine._compensator.compensate(saga_id, context, done)
                raise
        except BaseException:
            self._closed = True
            raise
        return result

    async def aclose(self) -> None:
        """Stop the run (as `contextlib.aclosing` does); the saga stays as stored."""
        self._closed = True
