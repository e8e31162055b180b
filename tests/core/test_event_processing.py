"""Event processing behind `send` and `stream`: handlers, broker, concurrency, failures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.message_brokers.devnull import DevnullMessageBroker
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.requests import bootstrap

# -- a journal the handlers write to (bound as an instance in the container) ---------------


class Journal:
    """What the handlers did, and how many of them ran at once."""

    def __init__(self) -> None:
        self.entries: list[str] = []
        self.running = 0
        self.max_running = 0

    def enter(self) -> None:
        self.running += 1
        self.max_running = max(self.max_running, self.running)

    def leave(self) -> None:
        self.running -= 1


# -- events ------------------------------------------------------------------------------


class Ping(cqrs.DomainEvent, frozen=True):
    n: int


class Slow(cqrs.DomainEvent, frozen=True):
    n: int


class Level1(cqrs.DomainEvent, frozen=True):
    trace: str


class Level2(cqrs.DomainEvent, frozen=True):
    trace: str


class Level3(cqrs.DomainEvent, frozen=True):
    trace: str


class Tallied(cqrs.DomainEvent, frozen=True):
    n: int


class Unhandled(cqrs.DomainEvent, frozen=True):
    """A domain event nobody listens to."""


class Stray(cqrs.Event):
    """A plain event: neither domain nor notification."""

    note: str


class OrderPayload(cqrs.Response):
    order_id: str


class RefundPayload(cqrs.Response):
    order_id: str
    amount: float


OrderNotification = cqrs.NotificationEvent[OrderPayload]
RefundNotification = cqrs.NotificationEvent[RefundPayload]


def order_placed(order_id: str = "ord-1") -> cqrs.NotificationEvent[OrderPayload]:
    return cqrs.NotificationEvent[OrderPayload](
        event_name="OrderPlaced", topic="orders", payload=OrderPayload(order_id=order_id)
    )


def refund_issued(order_id: str = "ord-1") -> cqrs.NotificationEvent[RefundPayload]:
    return cqrs.NotificationEvent[RefundPayload](
        event_name="RefundIssued",
        topic="refunds",
        payload=RefundPayload(order_id=order_id, amount=5.0),
    )


# -- requests and request handlers -------------------------------------------------------


class Receipt(cqrs.Response):
    accepted: int


class Emit(cqrs.Request[Receipt]):
    """Makes its handler emit the given events; answers with a receipt."""

    events: list[Any]


class EmitHandler(cqrs.RequestHandler[Emit, Receipt]):
    def __init__(self) -> None:
        self._events: list[Any] = []

    @property
    def events(self) -> list[Any]:
        return self._events

    async def handle(self, request: Emit) -> Receipt:
        self._events.extend(request.events)
        return Receipt(accepted=len(request.events))


class Tally(cqrs.Request[None]):
    n: int


class TallyHandler(cqrs.RequestHandler[Tally, None]):
    """Keeps its events in a list it never empties itself (as in the seeds)."""

    def __init__(self) -> None:
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events

    async def handle(self, request: Tally) -> None:
        self._events.append(Tallied(n=request.n))


class Produce(cqrs.Request[str]):
    count: int


class ProduceHandler(cqrs.StreamingRequestHandler[Produce, str]):
    """The seeds' streaming handler shape: one event per item, one more after the last."""

    def __init__(self) -> None:
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events.copy()

    def clear_events(self) -> None:
        self._events.clear()

    async def handle(self, request: Produce) -> AsyncIterator[str]:
        for n in range(request.count):
            self._events.append(Ping(n=n))
            yield f"item {n}"
        self._events.append(Level3(trace="after the last item"))


def commands(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Emit, EmitHandler)
    mapper.bind(Tally, TallyHandler)


def streams(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Produce, ProduceHandler)


# -- event handlers ----------------------------------------------------------------------


class PingHandlerA(cqrs.EventHandler[Ping]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Ping) -> None:
        self._journal.entries.append(f"A{event.n}")


class PingHandlerB(cqrs.EventHandler[Ping]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Ping) -> None:
        self._journal.entries.append(f"B{event.n}")


class PingHandlerC(cqrs.EventHandler[Ping]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Ping) -> None:
        self._journal.entries.append(f"C{event.n}")


class FailingPingHandler(cqrs.EventHandler[Ping]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Ping) -> None:
        self._journal.entries.append(f"failing{event.n}")
        raise RuntimeError(f"ping {event.n} failed")


class FlakyPingHandler(cqrs.EventHandler[Ping]):
    """Emits a follow-up, then fails: the follow-up must not be processed."""

    def __init__(self) -> None:
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events

    async def handle(self, event: Ping) -> None:
        self._events.append(Level3(trace="from a failed handler"))
        raise ConnectionError("lost")


class SlowHandler(cqrs.EventHandler[Slow]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Slow) -> None:
        self._journal.enter()
        try:
            await asyncio.sleep(0.01)
        finally:
            self._journal.leave()
        self._journal.entries.append(f"slow{event.n}")


class Level1Handler(cqrs.EventHandler[Level1]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events

    async def handle(self, event: Level1) -> None:
        self._journal.entries.append(f"level1 {event.trace}")
        self._events.append(Level2(trace=event.trace + ">1"))


class Level2Handler(cqrs.EventHandler[Level2]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events

    async def handle(self, event: Level2) -> None:
        self._journal.entries.append(f"level2 {event.trace}")
        self._events.append(Level3(trace=event.trace + ">2"))


class Level3Handler(cqrs.EventHandler[Level3]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Level3) -> None:
        self._journal.entries.append(f"level3 {event.trace}")


class TalliedHandler(cqrs.EventHandler[Tallied]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Tallied) -> None:
        self._journal.entries.append(f"tallied {event.n}")


class StrayHandler(cqrs.EventHandler[Stray]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Stray) -> None:
        self._journal.entries.append(f"stray {event.note}")


class OrderNotificationHandler(cqrs.EventHandler[OrderNotification]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: cqrs.NotificationEvent[OrderPayload]) -> None:
        self._journal.entries.append(f"order {event.payload.order_id}")


class PlainHandle:
    """Not an event handler: its `handle` is synchronous."""

    def handle(self, event: Ping) -> None:
        pass


class BrokenBroker:
    """A broker whose every send fails."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send_message(self, message: cqrs.Message) -> None:
        self.attempts += 1
        raise ConnectionError("broker down")


# -- helpers -----------------------------------------------------------------------------

EventsMapper = Callable[[cqrs.EventMap], None]


def binds(*pairs: tuple[type, Any]) -> EventsMapper:
    """A domain_events_mapper binding each (event type, handler) pair in order."""

    def mapper(event_map: cqrs.EventMap) -> None:
        for event_type, handler in pairs:
            event_map.bind(event_type, handler)

    return mapper


def container_for(journal: Journal) -> DefaultContainer:
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    return container


def mediator(
    journal: Journal,
    events_mapper: EventsMapper,
    *,
    message_broker: Any = None,
    **options: Any,
) -> cqrs.RequestMediator:
    if message_broker is None:
        message_broker = InMemoryMessageBroker()
    return bootstrap.bootstrap(
        di_container=container_for(journal),
        commands_mapper=commands,
        domain_events_mapper=events_mapper,
        message_broker=message_broker,
        **options,
    )


def streaming_mediator(
    journal: Journal, events_mapper: EventsMapper
) -> cqrs.StreamingRequestMediator:
    return bootstrap.bootstrap_streaming(
        di_container=container_for(journal),
        commands_mapper=streams,
        domain_events_mapper=events_mapper,
        message_broker=InMemoryMessageBroker(),
    )


LEVELS = binds((Level1, Level1Handler), (Level2, Level2Handler), (Level3, Level3Handler))


# -- delivery ----------------------------------------------------------------------------


class TestDomainEventDelivery:
    @pytest.mark.anyio
    async def test_domain_events_are_handled_when_send_returns(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Ping, PingHandlerA))).send

        await send(Emit(events=[Ping(n=1), Ping(n=2)]))

        assert journal.entries == ["A1", "A2"]

    @pytest.mark.anyio
    async def test_send_returns_the_handler_response(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Ping, PingHandlerA))).send

        assert await send(Emit(events=[Ping(n=1)])) == Receipt(accepted=1)

    @pytest.mark.anyio
    async def test_a_domain_event_without_handler_is_accepted(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Ping, PingHandlerA))).send

        await send(Emit(events=[Unhandled(), Ping(n=1)]))

        assert journal.entries == ["A1"]

    @pytest.mark.anyio
    async def test_a_plain_event_bound_in_the_map_is_handled(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Stray, StrayHandler))).send

        await send(Emit(events=[Stray(note="kept")]))

        assert journal.entries == ["stray kept"]


class TestNotificationDelivery:
    @pytest.mark.anyio
    async def test_notification_events_reach_the_broker(self) -> None:
        broker = InMemoryMessageBroker()
        event = order_placed()

        await mediator(Journal(), binds(), message_broker=broker).send(Emit(events=[event]))

        assert len(broker.messages) == 1
        message = broker.messages[0]
        assert message.message_name == "OrderPlaced"
        assert message.message_id == event.event_id
        assert message.topic == "orders"
        assert message.payload == event.to_dict()

    @pytest.mark.anyio
    async def test_notification_events_are_published_in_emission_order(self) -> None:
        broker = InMemoryMessageBroker()
        first, second = order_placed("ord-1"), refund_issued("ord-1")

        await mediator(Journal(), binds(), message_broker=broker).send(Emit(events=[first, second]))

        assert [m.message_id for m in broker.messages] == [first.event_id, second.event_id]
        assert [m.message_id for m in broker.topic("refunds")] == [second.event_id]

    @pytest.mark.anyio
    async def test_devnull_broker_drops_notifications_without_error(self) -> None:
        journal = Journal()
        send = mediator(
            journal, binds((Ping, PingHandlerA)), message_broker=DevnullMessageBroker()
        ).send

        await send(Emit(events=[order_placed(), Ping(n=1)]))

        assert journal.entries == ["A1"]


class TestNotificationRouting:
    @pytest.mark.anyio
    async def test_a_bound_parametrisation_is_handled_locally(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((OrderNotification, OrderNotificationHandler))).send

        await send(Emit(events=[order_placed("ord-7")]))

        assert journal.entries == ["order ord-7"]

    @pytest.mark.anyio
    async def test_other_parametrisations_do_not_reach_the_handler(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((OrderNotification, OrderNotificationHandler))).send

        await send(Emit(events=[refund_issued("ord-8"), order_placed("ord-9")]))

        assert journal.entries == ["order ord-9"]

    @pytest.mark.anyio
    async def test_a_locally_handled_notification_is_still_published(self) -> None:
        broker = InMemoryMessageBroker()
        event = order_placed()
        send = mediator(
            Journal(), binds((OrderNotification, OrderNotificationHandler)), message_broker=broker
        ).send

        await send(Emit(events=[event]))

        assert [m.message_id for m in broker.messages] == [event.event_id]


# -- follow-ups --------------------------------------------------------------------------


class TestFollowUps:
    @pytest.mark.anyio
    async def test_follow_ups_are_processed_to_exhaustion(self) -> None:
        journal = Journal()

        await mediator(journal, LEVELS).send(Emit(events=[Level1(trace="x")]))

        assert journal.entries == ["level1 x", "level2 x>1", "level3 x>1>2"]

    @pytest.mark.anyio
    async def test_follow_ups_are_processed_when_handlers_run_concurrently(self) -> None:
        journal = Journal()
        send = mediator(journal, LEVELS, max_concurrent_event_handlers=4).send

        await send(Emit(events=[Level1(trace="a"), Level1(trace="b")]))

        assert sorted(journal.entries) == [
            "level1 a",
            "level1 b",
            "level2 a>1",
            "level2 b>1",
            "level3 a>1>2",
            "level3 b>1>2",
        ]

    @pytest.mark.anyio
    async def test_a_follow_up_runs_after_the_handler_that_emitted_it(self) -> None:
        journal = Journal()
        events_mapper = binds(
            (Level1, Level1Handler), (Level2, Level2Handler), (Level3, Level3Handler)
        )

        await mediator(journal, events_mapper).send(
            Emit(events=[Level1(trace="x"), Level3(trace="direct")])
        )

        # Both events of the first round are handled before the follow-ups of either.
        assert journal.entries == ["level1 x", "level3 direct", "level2 x>1", "level3 x>1>2"]


# -- concurrency -------------------------------------------------------------------------


class TestConcurrency:
    @pytest.mark.anyio
    async def test_the_limit_bounds_handlers_running_at_once(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Slow, SlowHandler)), max_concurrent_event_handlers=3).send

        await send(Emit(events=[Slow(n=n) for n in range(10)]))

        assert journal.max_running == 3

    @pytest.mark.anyio
    async def test_every_event_is_handled_under_the_limit(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Slow, SlowHandler)), max_concurrent_event_handlers=3).send

        await send(Emit(events=[Slow(n=n) for n in range(10)]))

        assert sorted(journal.entries) == sorted(f"slow{n}" for n in range(10))

    @pytest.mark.anyio
    async def test_handlers_really_run_in_parallel(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Slow, SlowHandler)), max_concurrent_event_handlers=10).send

        await send(Emit(events=[Slow(n=n) for n in range(10)]))

        assert journal.max_running == 10

    @pytest.mark.anyio
    async def test_the_request_mediator_runs_one_at_a_time_by_default(self) -> None:
        journal = Journal()

        await mediator(journal, binds((Slow, SlowHandler))).send(
            Emit(events=[Slow(n=n) for n in range(4)])
        )

        assert journal.max_running == 1

    @pytest.mark.anyio
    async def test_disabled_concurrency_runs_one_at_a_time(self) -> None:
        journal = Journal()
        send = mediator(
            journal,
            binds((Slow, SlowHandler)),
            max_concurrent_event_handlers=5,
            concurrent_event_handle_enable=False,
        ).send

        await send(Emit(events=[Slow(n=n) for n in range(10)]))

        assert journal.max_running == 1

    @pytest.mark.anyio
    async def test_disabled_concurrency_keeps_emission_order(self) -> None:
        journal = Journal()
        send = mediator(
            journal,
            binds((Slow, SlowHandler)),
            max_concurrent_event_handlers=5,
            concurrent_event_handle_enable=False,
        ).send

        await send(Emit(events=[Slow(n=n) for n in range(10)]))

        assert journal.entries == [f"slow{n}" for n in range(10)]

    @pytest.mark.anyio
    async def test_many_handlers_run_in_bind_order_when_sequential(self) -> None:
        journal = Journal()
        events_mapper = binds((Ping, PingHandlerB), (Ping, PingHandlerC), (Ping, PingHandlerA))
        send = mediator(journal, events_mapper, concurrent_event_handle_enable=False).send

        await send(Emit(events=[Ping(n=1), Ping(n=2)]))

        assert journal.entries == ["B1", "C1", "A1", "B2", "C2", "A2"]

    def test_a_limit_below_one_is_a_bootstrap_error(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="max_concurrent_event_handlers"):
            mediator(Journal(), binds(), max_concurrent_event_handlers=0)


# -- binding -----------------------------------------------------------------------------


class TestBinding:
    def test_binding_a_handler_twice_to_one_event_is_an_error(self) -> None:
        with pytest.raises(cqrs.BindingError, match="PingHandlerA"):
            mediator(Journal(), binds((Ping, PingHandlerA), (Ping, PingHandlerA)))

    @pytest.mark.anyio
    async def test_one_handler_may_serve_two_event_types(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Level3, Level3Handler), (Level2, Level3Handler))).send

        await send(Emit(events=[Level2(trace="two"), Level3(trace="three")]))

        assert journal.entries == ["level3 two", "level3 three"]

    def test_binding_a_non_handler_is_an_error(self) -> None:
        with pytest.raises(cqrs.BindingError, match="PlainHandle"):
            mediator(Journal(), binds((Ping, PlainHandle)))


# -- the reference's bugs (DESIGN §6) -----------------------------------------------------


class TestSingletonHandler:
    @pytest.mark.anyio
    async def test_a_singleton_handler_never_re_emits_earlier_events(self) -> None:
        journal = Journal()
        container = container_for(journal)
        container.bind(TallyHandler, TallyHandler, singleton=True)
        send = bootstrap.bootstrap(
            di_container=container,
            commands_mapper=commands,
            domain_events_mapper=binds((Tallied, TalliedHandler)),
        ).send

        await send(Tally(n=1))
        await send(Tally(n=2))

        assert journal.entries == ["tallied 1", "tallied 2"]


class TestWithoutBroker:
    @pytest.mark.anyio
    async def test_a_notification_event_raises_instead_of_being_dropped(self) -> None:
        send = bootstrap.bootstrap(commands_mapper=commands).send

        with pytest.raises(cqrs.EventRoutingError) as caught:
            await send(Emit(events=[order_placed()]))

        assert "NotificationEvent[OrderPayload]" in str(caught.value)
        assert "message_broker" in str(caught.value)

    @pytest.mark.anyio
    async def test_domain_events_need_no_broker(self) -> None:
        journal = Journal()
        send = bootstrap.bootstrap(
            di_container=container_for(journal),
            commands_mapper=commands,
            domain_events_mapper=binds((Ping, PingHandlerA)),
        ).send

        await send(Emit(events=[Ping(n=1)]))

        assert journal.entries == ["A1"]


class TestUnroutableEvent:
    @pytest.mark.anyio
    async def test_a_plain_event_without_handler_raises(self) -> None:
        send = mediator(Journal(), binds((Ping, PingHandlerA))).send

        with pytest.raises(cqrs.EventRoutingError, match="Stray"):
            await send(Emit(events=[Stray(note="lost")]))

    def test_the_routing_error_is_a_cqrs_error(self) -> None:
        assert issubclass(cqrs.EventRoutingError, cqrs.CQRSError)


# -- failure policy ----------------------------------------------------------------------


class TestFailurePolicy:
    @pytest.mark.anyio
    async def test_one_failing_handler_does_not_stop_the_others(self) -> None:
        journal = Journal()
        events_mapper = binds(
            (Ping, PingHandlerA), (Ping, FailingPingHandler), (Ping, PingHandlerC)
        )
        send = mediator(journal, events_mapper).send

        with pytest.raises(cqrs.EventHandlingError):
            await send(Emit(events=[Ping(n=1), Ping(n=2)]))

        assert journal.entries == ["A1", "failing1", "C1", "A2", "failing2", "C2"]

    @pytest.mark.anyio
    async def test_the_others_run_when_handlers_run_concurrently(self) -> None:
        journal = Journal()
        events_mapper = binds(
            (Ping, PingHandlerA), (Ping, FailingPingHandler), (Ping, PingHandlerC)
        )
        send = mediator(journal, events_mapper, max_concurrent_event_handlers=3).send

        with pytest.raises(cqrs.EventHandlingError):
            await send(Emit(events=[Ping(n=1)]))

        assert sorted(journal.entries) == ["A1", "C1", "failing1"]

    @pytest.mark.anyio
    async def test_the_error_lists_the_failure(self) -> None:
        events_mapper = binds((Ping, PingHandlerA), (Ping, FailingPingHandler))
        send = mediator(Journal(), events_mapper).send

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await send(Emit(events=[Ping(n=1)]))

        [failure] = caught.value.failures
        assert failure.event == Ping(n=1)
        assert failure.handler is FailingPingHandler
        assert isinstance(failure.error, RuntimeError)
        assert str(failure.error) == "ping 1 failed"

    @pytest.mark.anyio
    async def test_the_error_lists_every_failure(self) -> None:
        send = mediator(Journal(), binds((Ping, FailingPingHandler))).send

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await send(Emit(events=[Ping(n=1), Ping(n=2)]))

        assert [failure.event for failure in caught.value.failures] == [Ping(n=1), Ping(n=2)]

    @pytest.mark.anyio
    async def test_the_error_carries_the_command_response(self) -> None:
        send = mediator(Journal(), binds((Ping, FailingPingHandler))).send

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await send(Emit(events=[Ping(n=1), Ping(n=2)]))

        assert caught.value.response == Receipt(accepted=2)

    @pytest.mark.anyio
    async def test_the_first_failure_is_chained_as_the_cause(self) -> None:
        send = mediator(Journal(), binds((Ping, FailingPingHandler))).send

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await send(Emit(events=[Ping(n=1)]))

        assert caught.value.__cause__ is caught.value.failures[0].error

    @pytest.mark.anyio
    async def test_follow_ups_of_a_failed_handler_are_dropped(self) -> None:
        journal = Journal()
        events_mapper = binds((Ping, FlakyPingHandler), (Level3, Level3Handler))
        send = mediator(journal, events_mapper).send

        with pytest.raises(cqrs.EventHandlingError):
            await send(Emit(events=[Ping(n=1)]))

        assert journal.entries == []

    @pytest.mark.anyio
    async def test_follow_ups_of_the_other_handlers_are_still_processed(self) -> None:
        journal = Journal()
        events_mapper = binds(
            (Ping, FailingPingHandler),
            (Level1, Level1Handler),
            (Level2, Level2Handler),
            (Level3, Level3Handler),
        )
        send = mediator(journal, events_mapper).send

        with pytest.raises(cqrs.EventHandlingError):
            await send(Emit(events=[Ping(n=1), Level1(trace="x")]))

        assert journal.entries == ["failing1", "level1 x", "level2 x>1", "level3 x>1>2"]

    @pytest.mark.anyio
    async def test_a_failing_broker_send_is_reported(self) -> None:
        event = order_placed()
        broker = BrokenBroker()
        send = mediator(Journal(), binds(), message_broker=broker).send

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await send(Emit(events=[event]))

        [failure] = caught.value.failures
        assert failure.event is event
        assert failure.handler is broker
        assert isinstance(failure.error, ConnectionError)

    @pytest.mark.anyio
    async def test_a_failing_broker_does_not_stop_the_handlers(self) -> None:
        journal = Journal()
        send = mediator(journal, binds((Ping, PingHandlerA)), message_broker=BrokenBroker()).send

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await send(Emit(events=[order_placed(), refund_issued(), Ping(n=1)]))

        assert journal.entries == ["A1"]
        assert len(caught.value.failures) == 2


# -- streaming ---------------------------------------------------------------------------


class TestStreamingEvents:
    @pytest.mark.anyio
    async def test_events_of_an_item_are_handled_before_it_is_delivered(self) -> None:
        journal = Journal()
        stream = streaming_mediator(journal, binds((Ping, PingHandlerA))).stream
        seen: list[tuple[str, list[str]]] = []

        async for item in stream(Produce(count=3)):
            seen.append((item, list(journal.entries)))

        assert seen == [
            ("item 0", ["A0"]),
            ("item 1", ["A0", "A1"]),
            ("item 2", ["A0", "A1", "A2"]),
        ]

    @pytest.mark.anyio
    async def test_events_after_the_last_item_are_handled(self) -> None:
        journal = Journal()
        events_mapper = binds((Ping, PingHandlerA), (Level3, Level3Handler))
        stream = streaming_mediator(journal, events_mapper).stream

        items = [item async for item in stream(Produce(count=2))]

        assert items == ["item 0", "item 1"]
        assert journal.entries == ["A0", "A1", "level3 after the last item"]

    @pytest.mark.anyio
    async def test_the_streaming_mediator_runs_handlers_concurrently(self) -> None:
        journal = Journal()
        send_events = bootstrap.bootstrap_streaming(
            di_container=container_for(journal),
            commands_mapper=streams,
            domain_events_mapper=binds((Ping, PingHandlerA), (Ping, PingHandlerB)),
            message_broker=InMemoryMessageBroker(),
            max_concurrent_event_handlers=3,
        ).stream

        items = [item async for item in send_events(Produce(count=1))]

        assert items == ["item 0"]
        assert sorted(journal.entries) == ["A0", "B0"]


# -- event handler fallback --------------------------------------------------------------


class TestEventHandlerFallback:
    @pytest.mark.anyio
    async def test_the_fallback_handles_when_the_primary_fails(self) -> None:
        journal = Journal()
        fallback = cqrs.EventHandlerFallback(primary=FailingPingHandler, fallback=PingHandlerB)

        await mediator(journal, binds((Ping, fallback))).send(Emit(events=[Ping(n=1)]))

        assert journal.entries == ["failing1", "B1"]

    @pytest.mark.anyio
    async def test_the_fallback_is_not_called_when_the_primary_succeeds(self) -> None:
        journal = Journal()
        fallback = cqrs.EventHandlerFallback(primary=PingHandlerA, fallback=PingHandlerB)

        await mediator(journal, binds((Ping, fallback))).send(Emit(events=[Ping(n=1)]))

        assert journal.entries == ["A1"]

    @pytest.mark.anyio
    async def test_an_unlisted_failure_is_reported(self) -> None:
        journal = Journal()
        fallback = cqrs.EventHandlerFallback(
            primary=FailingPingHandler,
            fallback=PingHandlerB,
            failure_exceptions=(ConnectionError,),
        )

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await mediator(journal, binds((Ping, fallback))).send(Emit(events=[Ping(n=1)]))

        assert journal.entries == ["failing1"]
        assert isinstance(caught.value.failures[0].error, RuntimeError)

    @pytest.mark.anyio
    async def test_the_fallback_sits_among_other_handlers(self) -> None:
        journal = Journal()
        fallback = cqrs.EventHandlerFallback(primary=FailingPingHandler, fallback=PingHandlerB)

        await mediator(journal, binds((Ping, PingHandlerA), (Ping, fallback))).send(
            Emit(events=[Ping(n=1)])
        )

        assert journal.entries == ["A1", "failing1", "B1"]


class TestEventHandlerFallbackConstruction:
    def test_handlers_of_different_event_types_are_refused(self) -> None:
        with pytest.raises(TypeError, match="different event types"):
            cqrs.EventHandlerFallback(primary=PingHandlerA, fallback=Level3Handler)

    def test_a_non_handler_primary_is_refused(self) -> None:
        with pytest.raises(TypeError, match="primary"):
            cqrs.EventHandlerFallback(primary=PlainHandle, fallback=PingHandlerA)

    def test_a_non_handler_fallback_is_refused(self) -> None:
        with pytest.raises(TypeError, match="fallback"):
            cqrs.EventHandlerFallback(primary=PingHandlerA, fallback=PlainHandle)

    def test_failure_exceptions_must_be_a_tuple_of_exception_types(self) -> None:
        with pytest.raises(TypeError, match="failure_exceptions"):
            cqrs.EventHandlerFallback(
                primary=PingHandlerA,
                fallback=PingHandlerB,
                failure_exceptions=[ValueError],  # type: ignore[arg-type]
            )

    def test_a_circuit_breaker_must_implement_the_protocol(self) -> None:
        with pytest.raises(TypeError, match="circuit_breaker"):
            cqrs.EventHandlerFallback(
                primary=PingHandlerA,
                fallback=PingHandlerB,
                circuit_breaker=object(),  # type: ignore[arg-type]
            )


# -- message ids -------------------------------------------------------------------------


class TestMessageIds:
    @pytest.mark.anyio
    async def test_each_notification_keeps_its_own_id(self) -> None:
        broker = InMemoryMessageBroker()
        events = [order_placed(str(uuid.uuid4())) for _ in range(3)]

        await mediator(Journal(), binds(), message_broker=broker).send(Emit(events=list(events)))

        assert [m.message_id for m in broker.messages] == [e.event_id for e in events]
