"""Interrupted sagas: consumers that stop, crashes mid-step or mid-compensation, recover_saga."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.exceptions import SagaDefinitionChanged, SagaNotFoundError
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.recovery import recover_saga
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage

pytestmark = pytest.mark.anyio


class Journal:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.keys: list[str] = []
        self.hang: set[str] = set()  # "act X" / "compensate X" that block until cancelled
        self.started = asyncio.Event()
        self.fail: dict[str, int] = {}  # "compensate X" -> failures left

    async def enter(self, call: str) -> None:
        self.calls.append(call)
        if call in self.hang:
            self.hang.discard(call)
            self.started.set()
            await asyncio.Event().wait()  # until cancelled
        if self.fail.get(call):
            self.fail[call] -= 1
            raise ConnectionError(f"{call} failed")


@dataclasses.dataclass
class Ctx(SagaContext):
    order_id: str
    steps_done: int = 0


class Step(SagaStepHandler[Ctx, int]):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def act(self, context: Ctx) -> SagaStepResult[Ctx, int]:
        self.journal.keys.append(self.idempotency_key)
        await self.journal.enter(f"act {self.name}")
        context.steps_done += 1
        return self._generate_step_result(context.steps_done)

    async def compensate(self, context: Ctx) -> None:
        await self.journal.enter(f"compensate {self.name}")


class A(Step):
    pass


class B(Step):
    pass


class C(Step):
    pass


class Boom(Step):
    async def act(self, context: Ctx) -> SagaStepResult[Ctx, int]:
        await self.journal.enter(f"act {self.name}")
        raise ValueError("boom")


class ABC(Saga[Ctx]):
    steps = [A, B, C]


class ABBoom(Saga[Ctx]):
    steps = [A, B, Boom]


class Setup:
    def __init__(self, saga: type[Saga[Any]]) -> None:
        self.saga = saga
        self.journal = Journal()
        self.container = DefaultContainer()
        self.container.bind_instance(Journal, self.journal)
        self.storage = MemorySagaStorage()
        self.mediator = saga_bootstrap.bootstrap(
            di_container=self.container,
            sagas_mapper=lambda m: m.bind(Ctx, saga),
            saga_storage=self.storage,
            compensation_retry_delay=0.0,
        )

    async def recover(self, saga_id: uuid.UUID, saga: Any = None) -> SagaStatus:
        return await recover_saga(
            saga=saga or self.saga(),
            saga_id=saga_id,
            context_builder=Ctx,
            container=self.container,
            storage=self.storage,
            compensation_retry_delay=0.0,
        )

    async def status(self, saga_id: uuid.UUID) -> SagaStatus:
        return (await self.storage.load_saga_state(saga_id))[0]

    async def first_step_only(self, saga_id: uuid.UUID, order_id: str = "o1") -> None:
        """Run the saga and stop iterating after its first step."""
        async for _ in self.mediator.stream(Ctx(order_id=order_id), saga_id=saga_id):
            break

    async def run_to_end(self, saga_id: uuid.UUID, order_id: str = "o1") -> None:
        async for _ in self.mediator.stream(Ctx(order_id=order_id), saga_id=saga_id):
            pass

    async def run_until_cancelled(self, saga_id: uuid.UUID) -> None:
        async def consume() -> None:
            async for _ in self.mediator.stream(Ctx(order_id="o1"), saga_id=saga_id):
                pass

        task = asyncio.ensure_future(consume())
        await self.journal.started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class TestConsumerStops:
    async def test_break_leaves_the_saga_running_and_uncompensated(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.first_step_only(saga_id)
        assert await setup.status(saga_id) is SagaStatus.RUNNING
        assert setup.journal.calls == ["act A"]

    async def test_an_exception_in_the_consumer_leaves_the_saga_running(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()

        async def give_up() -> None:
            async for _ in setup.mediator.stream(Ctx(order_id="o1"), saga_id=saga_id):
                raise LookupError("consumer gave up")

        with pytest.raises(LookupError, match="gave up"):
            await give_up()
        assert await setup.status(saga_id) is SagaStatus.RUNNING
        assert not any(c.startswith("compensate") for c in setup.journal.calls)

    async def test_recovery_after_break_runs_only_the_remaining_steps(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.first_step_only(saga_id)
        assert await setup.recover(saga_id) is SagaStatus.COMPLETED
        assert setup.journal.calls == ["act A", "act B", "act C"]
        assert (await setup.storage.load_saga_state(saga_id))[1]["steps_done"] == 3

    async def test_rerunning_stream_after_break_continues_from_storage(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.first_step_only(saga_id)
        context = Ctx(order_id="o1")
        results = [r async for r in setup.mediator.stream(context, saga_id=saga_id)]
        assert [r.step_type for r in results] == [B, C]
        assert context.steps_done == 3

    async def test_cancellation_mid_step_leaves_it_running_and_recovery_reruns_it(self) -> None:
        setup = Setup(ABC)
        setup.journal.hang.add("act B")
        saga_id = uuid.uuid4()
        await setup.run_until_cancelled(saga_id)
        assert await setup.status(saga_id) is SagaStatus.RUNNING
        assert await setup.recover(saga_id) is SagaStatus.COMPLETED
        assert setup.journal.calls == ["act A", "act B", "act B", "act C"]


class TestIdempotencyKey:
    async def test_each_step_call_gets_saga_id_and_step_name(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.run_to_end(saga_id)
        assert setup.journal.keys == [f"{saga_id}:A", f"{saga_id}:B", f"{saga_id}:C"]

    async def test_a_step_rerun_by_recovery_gets_the_same_key(self) -> None:
        setup = Setup(ABC)
        setup.journal.hang.add("act B")
        saga_id = uuid.uuid4()
        await setup.run_until_cancelled(saga_id)
        await setup.recover(saga_id)
        assert setup.journal.keys.count(f"{saga_id}:B") == 2

    def test_reading_it_outside_a_step_call_is_an_error(self) -> None:
        with pytest.raises(cqrs.CQRSError, match="outside act/compensate"):
            _ = A(Journal()).idempotency_key


class TestRecoverCompensation:
    async def test_a_compensating_saga_compensates_each_remaining_step_once(self) -> None:
        setup = Setup(ABBoom)
        setup.journal.hang.add("compensate A")  # B is compensated, then the process "dies"
        saga_id = uuid.uuid4()
        await setup.run_until_cancelled(saga_id)
        assert await setup.status(saga_id) is SagaStatus.COMPENSATING
        assert await setup.recover(saga_id) is SagaStatus.COMPENSATED
        assert setup.journal.calls.count("compensate B") == 1
        assert setup.journal.calls.count("compensate A") == 2  # the interrupted one, then once

    async def test_a_failed_saga_is_retried_by_recovery(self) -> None:
        setup = Setup(ABBoom)
        setup.journal.fail["compensate B"] = 3  # every attempt of the run fails
        saga_id = uuid.uuid4()
        with pytest.raises(ValueError, match="boom"):
            await setup.run_to_end(saga_id)
        assert await setup.status(saga_id) is SagaStatus.FAILED
        assert await setup.recover(saga_id) is SagaStatus.COMPENSATED
        assert setup.journal.calls.count("compensate B") == 4
        assert setup.journal.calls.count("compensate A") == 1

    async def test_recovering_a_failing_step_compensates_and_reports_the_status(self) -> None:
        setup = Setup(ABBoom)
        saga_id = uuid.uuid4()
        await setup.first_step_only(saga_id)
        assert await setup.recover(saga_id) is SagaStatus.COMPENSATED
        assert setup.journal.calls[-2:] == ["compensate B", "compensate A"]

    async def test_a_finished_saga_is_left_alone(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.run_to_end(saga_id)
        assert await setup.recover(saga_id) is SagaStatus.COMPLETED
        assert setup.journal.calls == ["act A", "act B", "act C"]

    async def test_the_mediator_recovers_a_bound_saga(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.first_step_only(saga_id)
        assert await setup.mediator.recover(saga_id, ABC) is SagaStatus.COMPLETED
        assert setup.journal.calls == ["act A", "act B", "act C"]

    async def test_an_unknown_saga_id_is_not_found(self) -> None:
        setup = Setup(ABC)
        with pytest.raises(SagaNotFoundError, match="no saga with id"):
            await setup.recover(uuid.uuid4())

    async def test_interrupted_sagas_are_listed_for_recovery(self) -> None:
        setup = Setup(ABC)
        running, done = uuid.uuid4(), uuid.uuid4()
        await setup.first_step_only(running)
        await setup.run_to_end(done, "o2")
        assert await setup.storage.get_sagas_for_recovery() == [running]


class TestDefinitionChanges:
    async def test_a_changed_step_list_is_refused_with_a_cqrs_error(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.first_step_only(saga_id)

        class ACB(Saga[Ctx]):
            steps = [A, C, B]

        with pytest.raises(SagaDefinitionChanged, match="fingerprint"):
            await setup.recover(saga_id, ACB())
        assert setup.journal.calls == ["act A"]

    async def test_moving_a_step_class_keeps_the_stored_name(self) -> None:
        setup = Setup(ABC)
        saga_id = uuid.uuid4()
        await setup.first_step_only(saga_id)

        # The same steps defined elsewhere (another module, another function): same names.
        class Moved:
            class B(Step):
                name = "B"

            class C(Step):
                name = "C"

        class Relocated(Saga[Ctx]):
            steps = [A, Moved.B, Moved.C]

        assert await setup.recover(saga_id, Relocated()) is SagaStatus.COMPLETED
        assert setup.journal.calls == ["act A", "act B", "act C"]
