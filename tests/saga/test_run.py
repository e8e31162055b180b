"""Running a saga: order, events, persistence, compensation, statuses, re-runs, middleware."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.models import SagaAction, SagaContext, SagaStatus, SagaStepStatus
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage

pytestmark = pytest.mark.anyio


class Journal:
    """What the steps and handlers did, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failing_compensations: dict[str, int] = {}  # step -> failures left


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str
    reserved: bool = False
    charged: bool = False


class Reserved(cqrs.DomainEvent):
    order_id: str


class Charged(cqrs.NotificationEvent[dict[str, str]]):
    pass


class JournalStep(SagaStepHandler[OrderContext, str]):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._events: list[Any] = []

    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        self.journal.calls.append(f"act {self.name}")
        return self._generate_step_result(self.name)

    async def compensate(self, context: OrderContext) -> None:
        left = self.journal.failing_compensations.get(self.name, 0)
        self.journal.calls.append(f"compensate {self.name}")
        if left:
            self.journal.failing_compensations[self.name] = left - 1
            raise ConnectionError(f"cannot undo {self.name}")


class Reserve(JournalStep):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        context.reserved = True
        self._events.append(Reserved(order_id=context.order_id))
        return await super().act(context)


class Charge(JournalStep):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        context.charged = True
        self._events.append(Charged(event_name="charged", topic="payments", payload={"id": "1"}))
        return await super().act(context)


class Ship(JournalStep):
    pass


class Explode(JournalStep):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        self.journal.calls.append(f"act {self.name}")
        raise ValueError("warehouse on fire")


class OrderSaga(Saga[OrderContext]):
    steps = [Reserve, Charge, Ship]


class FailingSaga(Saga[OrderContext]):
    steps = [Reserve, Charge, Explode]


class ReservedHandler(cqrs.EventHandler[Reserved]):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def handle(self, event: Reserved) -> None:
        self.journal.calls.append(f"event Reserved {event.order_id}")


def build(
    saga: type[Saga[Any]], **kwargs: Any
) -> tuple[cqrs.SagaMediator, Journal, MemorySagaStorage, InMemoryMessageBroker]:
    journal = Journal()
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    storage = MemorySagaStorage()
    broker = InMemoryMessageBroker()
    kwargs.setdefault("compensation_retry_delay", 0.0)
    mediator = saga_bootstrap.bootstrap(
        di_container=container,
        sagas_mapper=lambda m: m.bind(OrderContext, saga),
        domain_events_mapper=lambda m: m.bind(Reserved, ReservedHandler),
        message_broker=broker,
        saga_storage=storage,
        **kwargs,
    )
    return mediator, journal, storage, broker


async def drain(mediator: cqrs.SagaMediator, context: Any, saga_id: uuid.UUID) -> list[Any]:
    return [result async for result in mediator.stream(context, saga_id=saga_id)]


class TestForward:
    async def test_steps_run_in_order_and_each_result_is_yielded(self) -> None:
        mediator, journal, _, _ = build(OrderSaga)
        saga_id = uuid.uuid4()
        results = await drain(mediator, OrderContext(order_id="o1"), saga_id)
        assert [r.step_type for r in results] == [Reserve, Charge, Ship]
        assert [r.response for r in results] == ["Reserve", "Charge", "Ship"]
        assert {r.saga_id for r in results} == {saga_id}
        assert [c for c in journal.calls if c.startswith("act")] == [
            "act Reserve",
            "act Charge",
            "act Ship",
        ]

    async def test_step_events_are_processed_before_its_result_is_yielded(self) -> None:
        mediator, journal, _, broker = build(OrderSaga)
        seen: dict[str, tuple[list[str], int]] = {}
        async for result in mediator.stream(OrderContext(order_id="o1")):
            seen[result.step_name] = (list(journal.calls), len(broker.messages))
        assert "event Reserved o1" in seen["Reserve"][0]
        assert seen["Reserve"][1] == 0
        assert seen["Charge"][1] == 1
        assert broker.messages[0].topic == "payments"

    async def test_context_is_persisted_after_every_step(self) -> None:
        mediator, _, storage, _ = build(OrderSaga)
        saga_id = uuid.uuid4()
        stored: list[dict[str, Any]] = []
        async for _ in mediator.stream(OrderContext(order_id="o1"), saga_id=saga_id):
            stored.append((await storage.load_saga_state(saga_id))[1])
        assert [(s["reserved"], s["charged"]) for s in stored] == [
            (True, False),
            (True, True),
            (True, True),
        ]

    async def test_a_completed_saga_ends_completed(self) -> None:
        mediator, _, storage, _ = build(OrderSaga)
        saga_id = uuid.uuid4()
        await drain(mediator, OrderContext(order_id="o1"), saga_id)
        status, _, version = await storage.load_saga_state(saga_id)
        assert status is SagaStatus.COMPLETED
        assert version == 4  # created at 1, one update per step

    async def test_the_saga_id_defaults_to_a_new_uuid_on_each_result(self) -> None:
        mediator, _, storage, _ = build(OrderSaga)
        results = [r async for r in mediator.stream(OrderContext(order_id="o1"))]
        saga_id = results[0].saga_id
        assert isinstance(saga_id, uuid.UUID)
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.COMPLETED

    async def test_execute_is_an_alias_of_stream(self) -> None:
        mediator, _, _, _ = build(OrderSaga)
        results = [r async for r in mediator.execute(OrderContext(order_id="o1"))]
        assert len(results) == 3

    async def test_an_unbound_context_type_is_a_saga_error_naming_it(self) -> None:
        @dataclasses.dataclass
        class Other(SagaContext):
            x: int

        mediator, _, _, _ = build(OrderSaga)
        with pytest.raises(cqrs.CQRSError, match=r"no saga is bound for .*Other"):
            mediator.stream(Other(x=1))


class OwnEventsReserve(JournalStep):
    """Keeps its events elsewhere than `_events`, exposed through its own `events`."""

    name = "OwnEventsReserve"

    def __init__(self, journal: Journal) -> None:
        super().__init__(journal)
        self.outbox: list[Any] = []

    @property
    def events(self) -> list[Any]:
        return self.outbox

    def clear_events(self) -> None:
        self.journal.calls.append("clear_events")
        self.outbox = []

    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        self.outbox.append(Reserved(order_id=context.order_id))
        return await super().act(context)


class OwnEventsSaga(Saga[OrderContext]):
    steps = [OwnEventsReserve, Ship]


class TestStepEvents:
    async def test_a_step_overriding_events_has_them_processed_and_cleared(self) -> None:
        mediator, journal, _, _ = build(OwnEventsSaga)
        await drain(mediator, OrderContext(order_id="o7"), uuid.uuid4())
        assert journal.calls == [
            "act OwnEventsReserve",
            "clear_events",
            "event Reserved o7",
            "act Ship",
        ]

    async def test_events_of_the_default_list_are_taken_out_of_the_step(self) -> None:
        container = DefaultContainer()
        journal = Journal()
        container.bind_instance(Journal, journal)
        step = Reserve(journal)  # one instance for every resolution: a singleton step
        container.bind_instance(Reserve, step)
        mediator = saga_bootstrap.bootstrap(
            di_container=container,
            sagas_mapper=lambda m: m.bind(OrderContext, OrderSaga),
            domain_events_mapper=lambda m: m.bind(Reserved, ReservedHandler),
            message_broker=InMemoryMessageBroker(),
        )
        await drain(mediator, OrderContext(order_id="o1"), uuid.uuid4())
        await drain(mediator, OrderContext(order_id="o2"), uuid.uuid4())
        assert step._events == []
        assert [c for c in journal.calls if c.startswith("event")] == [
            "event Reserved o1",
            "event Reserved o2",
        ]


class TestCompensation:
    async def test_completed_steps_are_compensated_in_reverse_order(self) -> None:
        mediator, journal, _, _ = build(FailingSaga)
        with pytest.raises(ValueError, match="warehouse on fire"):
            await drain(mediator, OrderContext(order_id="o1"), uuid.uuid4())
        assert journal.calls[-2:] == ["compensate Charge", "compensate Reserve"]
        assert "compensate Explode" not in journal.calls

    async def test_all_compensations_succeeding_ends_compensated(self) -> None:
        mediator, _, storage, _ = build(FailingSaga)
        saga_id = uuid.uuid4()
        with pytest.raises(ValueError, match="warehouse"):
            await drain(mediator, OrderContext(order_id="o1"), saga_id)
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.COMPENSATED

    async def test_the_failure_is_logged_under_the_failing_step(self) -> None:
        mediator, _, storage, _ = build(FailingSaga)
        saga_id = uuid.uuid4()
        with pytest.raises(ValueError, match="warehouse"):
            await drain(mediator, OrderContext(order_id="o1"), saga_id)
        failed = [
            e
            for e in await storage.get_step_history(saga_id)
            if e.action is SagaAction.ACT and e.status is SagaStepStatus.FAILED
        ]
        assert [(e.step_name, e.details) for e in failed] == [
            ("Explode", "ValueError: warehouse on fire")
        ]

    async def test_a_failing_compensation_is_retried_up_to_the_count(self) -> None:
        mediator, journal, storage, _ = build(FailingSaga, compensation_retry_count=3)
        journal.failing_compensations["Charge"] = 2
        saga_id = uuid.uuid4()
        with pytest.raises(ValueError, match="warehouse"):
            await drain(mediator, OrderContext(order_id="o1"), saga_id)
        assert journal.calls.count("compensate Charge") == 3
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.COMPENSATED

    async def test_a_compensation_failing_every_attempt_ends_failed(self) -> None:
        mediator, journal, storage, _ = build(FailingSaga, compensation_retry_count=2)
        journal.failing_compensations["Charge"] = 5
        saga_id = uuid.uuid4()
        with pytest.raises(ValueError, match="warehouse on fire"):
            await drain(mediator, OrderContext(order_id="o1"), saga_id)
        assert journal.calls.count("compensate Charge") == 2
        assert "compensate Reserve" in journal.calls  # the others are still compensated
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.FAILED

    async def test_one_attempt_calls_compensate_once(self) -> None:
        mediator, journal, _, _ = build(FailingSaga, compensation_retry_count=1)
        with pytest.raises(ValueError, match="warehouse"):
            await drain(mediator, OrderContext(order_id="o1"), uuid.uuid4())
        assert journal.calls.count("compensate Reserve") == 1

    @pytest.mark.parametrize("count", [0, -1, True, 1.5])
    async def test_a_retry_count_below_one_is_refused_at_bootstrap(self, count: Any) -> None:
        with pytest.raises(cqrs.BootstrapError, match="compensation_retry_count"):
            build(OrderSaga, compensation_retry_count=count)

    @pytest.mark.parametrize(
        ("option", "value"),
        [("compensation_retry_delay", -1.0), ("compensation_retry_backoff", 0.5)],
    )
    async def test_a_negative_delay_or_shrinking_backoff_is_refused(
        self, option: str, value: float
    ) -> None:
        with pytest.raises(cqrs.BootstrapError, match=option):
            build(OrderSaga, **{option: value})

    async def test_on_startup_runs_once_at_bootstrap(self) -> None:
        calls: list[str] = []
        build(OrderSaga, on_startup=[lambda: calls.append("up")])
        assert calls == ["up"]

    async def test_a_failing_event_handler_compensates_its_step_too(self) -> None:
        class Boom(cqrs.EventHandler[Reserved]):
            async def handle(self, event: Reserved) -> None:
                raise RuntimeError("projection down")

        journal = Journal()
        container = DefaultContainer()
        container.bind_instance(Journal, journal)
        mediator = saga_bootstrap.bootstrap(
            di_container=container,
            sagas_mapper=lambda m: m.bind(OrderContext, OrderSaga),
            domain_events_mapper=lambda m: m.bind(Reserved, Boom),
            compensation_retry_delay=0.0,
        )
        with pytest.raises(cqrs.EventHandlingError):
            await drain(mediator, OrderContext(order_id="o1"), uuid.uuid4())
        assert journal.calls == ["act Reserve", "compensate Reserve"]


class TestRerun:
    async def test_rerunning_a_completed_saga_does_not_act_again(self) -> None:
        mediator, journal, storage, _ = build(OrderSaga)
        saga_id = uuid.uuid4()
        await drain(mediator, OrderContext(order_id="o1"), saga_id)
        acted = list(journal.calls)
        again = await drain(mediator, OrderContext(order_id="o1"), saga_id)
        assert again == []
        assert journal.calls == acted
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.COMPLETED

    async def test_rerunning_a_compensated_saga_does_nothing(self) -> None:
        mediator, journal, _, _ = build(FailingSaga)
        saga_id = uuid.uuid4()
        with pytest.raises(ValueError, match="warehouse"):
            await drain(mediator, OrderContext(order_id="o1"), saga_id)
        calls = list(journal.calls)
        assert await drain(mediator, OrderContext(order_id="o1"), saga_id) == []
        assert journal.calls == calls


class Recording:
    """A streaming middleware recording what it saw."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def __call__(self, request: Any, handle: Any) -> Any:
        return await handle(request)

    async def stream(self, request: Any, handle: Any) -> AsyncIterator[Any]:
        self.seen.append(("start", type(request).__name__))
        async for item in handle(request):
            self.seen.append(("item", item.step_name))
            yield item
        self.seen.append(("end", type(request).__name__))


class TestMiddleware:
    async def test_a_middleware_wraps_the_whole_run(self) -> None:
        middleware = Recording()
        mediator, _, _, _ = build(OrderSaga, middlewares=[middleware])
        results = await drain(mediator, OrderContext(order_id="o1"), uuid.uuid4())
        assert len(results) == 3
        assert middleware.seen == [
            ("start", "OrderContext"),
            ("item", "Reserve"),
            ("item", "Charge"),
            ("item", "Ship"),
            ("end", "OrderContext"),
        ]

    async def test_a_middleware_without_stream_is_refused_at_bootstrap(self) -> None:
        class SendOnly:
            async def __call__(self, request: Any, handle: Any) -> Any:
                return await handle(request)

        with pytest.raises(cqrs.BootstrapError, match="stream"):
            build(OrderSaga, middlewares=[SendOnly()])
