"""EventMediator: events consumed from a broker, dispatched to their handlers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.events import bootstrap as event_bootstrap
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.testing import FakeCircuitBreaker

# -- a journal the handlers write to -----------------------------------------------------


class Journal:
    def __init__(self) -> None:
        self.entries: list[str] = []


# -- events ------------------------------------------------------------------------------


class UserJoinedPayload(cqrs.Response):
    user_id: str
    meeting_id: str


class RoomClosedPayload(cqrs.Response):
    meeting_id: str


UserJoined = cqrs.NotificationEvent[UserJoinedPayload]
RoomClosed = cqrs.NotificationEvent[RoomClosedPayload]


class WelcomeSent(cqrs.DomainEvent, frozen=True):
    user_id: str


class Unbound(cqrs.DomainEvent, frozen=True):
    pass


def user_joined(user_id: str = "u-1") -> cqrs.NotificationEvent[UserJoinedPayload]:
    return cqrs.NotificationEvent[UserJoinedPayload](
        event_name="UserJoined",
        topic="user_notification_events",
        payload=UserJoinedPayload(user_id=user_id, meeting_id="m-1"),
    )


# -- handlers ----------------------------------------------------------------------------


class WelcomeHandler(cqrs.EventHandler[UserJoined]):
    """Greets the user and emits a domain follow-up and a notification follow-up."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events

    async def handle(self, event: cqrs.NotificationEvent[UserJoinedPayload]) -> None:
        self._journal.entries.append(f"welcome {event.payload.user_id}")
        self._events.append(WelcomeSent(user_id=event.payload.user_id))
        self._events.append(
            cqrs.NotificationEvent[RoomClosedPayload](
                event_name="RoomClosed",
                topic="rooms",
                payload=RoomClosedPayload(meeting_id=event.payload.meeting_id),
            )
        )


class AuditHandler(cqrs.EventHandler[UserJoined]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: cqrs.NotificationEvent[UserJoinedPayload]) -> None:
        self._journal.entries.append(f"audit {event.payload.user_id}")


class CountHandler(cqrs.EventHandler[UserJoined]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: cqrs.NotificationEvent[UserJoinedPayload]) -> None:
        self._journal.entries.append(f"count {event.payload.user_id}")


class FailingHandler(cqrs.EventHandler[UserJoined]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: cqrs.NotificationEvent[UserJoinedPayload]) -> None:
        self._journal.entries.append(f"failing {event.payload.user_id}")
        raise ConnectionError("remote service down")


class WelcomeSentHandler(cqrs.EventHandler[WelcomeSent]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: WelcomeSent) -> None:
        self._journal.entries.append(f"welcome sent {event.user_id}")


# -- a middleware ------------------------------------------------------------------------


class RecordingMiddleware:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.seen: list[Any] = []

    async def __call__(self, request: Any, handle: Callable[[Any], Awaitable[Any]]) -> Any:
        self.seen.append(request)
        self.journal.entries.append("middleware before")
        result = await handle(request)
        self.journal.entries.append("middleware after")
        return result


# -- helpers -----------------------------------------------------------------------------

EventsMapper = Callable[[cqrs.EventMap], None]


def binds(*pairs: tuple[type, Any]) -> EventsMapper:
    def mapper(event_map: cqrs.EventMap) -> None:
        for event_type, handler in pairs:
            event_map.bind(event_type, handler)

    return mapper


def container_for(journal: Journal) -> DefaultContainer:
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    return container


def event_mediator(
    journal: Journal, events_mapper: EventsMapper, **options: Any
) -> cqrs.EventMediator:
    return event_bootstrap.bootstrap(
        di_container=container_for(journal), events_mapper=events_mapper, **options
    )


# -- bootstrap ---------------------------------------------------------------------------


class TestBootstrap:
    def test_returns_an_event_mediator(self) -> None:
        mediator = event_bootstrap.bootstrap(
            di_container=None, events_mapper=binds((UserJoined, AuditHandler))
        )

        assert isinstance(mediator, cqrs.EventMediator)

    def test_runs_on_startup_callbacks_once(self) -> None:
        calls: list[str] = []

        event_bootstrap.bootstrap(
            di_container=None,
            events_mapper=binds((UserJoined, AuditHandler)),
            on_startup=[lambda: calls.append("first"), lambda: calls.append("second")],
        )

        assert calls == ["first", "second"]

    def test_binding_a_handler_twice_is_an_error(self) -> None:
        with pytest.raises(cqrs.BindingError):
            event_bootstrap.bootstrap(
                events_mapper=binds((UserJoined, AuditHandler), (UserJoined, AuditHandler))
            )

    def test_a_non_broker_is_refused(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="message_broker"):
            event_bootstrap.bootstrap(
                events_mapper=binds((UserJoined, AuditHandler)),
                message_broker=object(),  # type: ignore[arg-type]
            )


# -- dispatch ----------------------------------------------------------------------------


class TestSend:
    @pytest.mark.anyio
    async def test_handlers_run_in_bind_order(self) -> None:
        journal = Journal()
        events_mapper = binds(
            (UserJoined, CountHandler), (UserJoined, AuditHandler), (UserJoined, WelcomeHandler)
        )
        mediator = event_mediator(journal, events_mapper, message_broker=InMemoryMessageBroker())

        await mediator.send(user_joined("u-7"))

        assert journal.entries[:3] == ["count u-7", "audit u-7", "welcome u-7"]

    @pytest.mark.anyio
    async def test_an_unbound_event_type_raises(self) -> None:
        mediator = event_mediator(Journal(), binds((UserJoined, AuditHandler)))

        with pytest.raises(cqrs.EventRoutingError, match="Unbound"):
            await mediator.send(Unbound())

    @pytest.mark.anyio
    async def test_an_other_parametrisation_is_unbound(self) -> None:
        mediator = event_mediator(Journal(), binds((UserJoined, AuditHandler)))
        event = cqrs.NotificationEvent[RoomClosedPayload](
            event_name="RoomClosed", topic="rooms", payload=RoomClosedPayload(meeting_id="m")
        )

        with pytest.raises(cqrs.EventRoutingError, match="RoomClosedPayload"):
            await mediator.send(event)


class TestFollowUps:
    @pytest.mark.anyio
    async def test_domain_follow_ups_are_handled(self) -> None:
        journal = Journal()
        events_mapper = binds((UserJoined, WelcomeHandler), (WelcomeSent, WelcomeSentHandler))
        mediator = event_mediator(journal, events_mapper, message_broker=InMemoryMessageBroker())

        await mediator.send(user_joined("u-1"))

        assert journal.entries == ["welcome u-1", "welcome sent u-1"]

    @pytest.mark.anyio
    async def test_notification_follow_ups_are_published(self) -> None:
        broker = InMemoryMessageBroker()
        mediator = event_mediator(
            Journal(), binds((UserJoined, WelcomeHandler)), message_broker=broker
        )

        await mediator.send(user_joined())

        assert [m.message_name for m in broker.messages] == ["RoomClosed"]
        assert broker.messages[0].payload["payload"] == {"meeting_id": "m-1"}

    @pytest.mark.anyio
    async def test_the_incoming_event_is_not_published_again(self) -> None:
        broker = InMemoryMessageBroker()
        event = user_joined()
        mediator = event_mediator(
            Journal(), binds((UserJoined, WelcomeHandler)), message_broker=broker
        )

        await mediator.send(event)

        assert event.event_id not in [m.message_id for m in broker.messages]
        assert broker.topic("user_notification_events") == []

    @pytest.mark.anyio
    async def test_notification_follow_ups_without_broker_raise(self) -> None:
        mediator = event_mediator(Journal(), binds((UserJoined, WelcomeHandler)))

        with pytest.raises(cqrs.EventRoutingError, match="message_broker"):
            await mediator.send(user_joined())


class TestFailures:
    @pytest.mark.anyio
    async def test_a_failing_handler_does_not_stop_the_others(self) -> None:
        journal = Journal()
        events_mapper = binds(
            (UserJoined, AuditHandler), (UserJoined, FailingHandler), (UserJoined, CountHandler)
        )
        mediator = event_mediator(journal, events_mapper)

        with pytest.raises(cqrs.EventHandlingError):
            await mediator.send(user_joined("u-2"))

        assert journal.entries == ["audit u-2", "failing u-2", "count u-2"]

    @pytest.mark.anyio
    async def test_the_error_lists_the_failure(self) -> None:
        event = user_joined()
        mediator = event_mediator(Journal(), binds((UserJoined, FailingHandler)))

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await mediator.send(event)

        [failure] = caught.value.failures
        assert failure.event is event
        assert failure.handler is FailingHandler
        assert isinstance(failure.error, ConnectionError)


class TestMiddleware:
    @pytest.mark.anyio
    async def test_the_middleware_sees_the_event(self) -> None:
        journal = Journal()
        middleware = RecordingMiddleware(journal)
        event = user_joined()
        mediator = event_mediator(
            journal, binds((UserJoined, AuditHandler)), middlewares=[middleware]
        )

        await mediator.send(event)

        assert middleware.seen == [event]

    @pytest.mark.anyio
    async def test_the_middleware_wraps_the_handlers(self) -> None:
        journal = Journal()
        mediator = event_mediator(
            journal, binds((UserJoined, AuditHandler)), middlewares=[RecordingMiddleware(journal)]
        )

        await mediator.send(user_joined("u-3"))

        assert journal.entries == ["middleware before", "audit u-3", "middleware after"]

    def test_a_middleware_that_cannot_wrap_send_is_refused(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="middleware"):
            event_mediator(Journal(), binds((UserJoined, AuditHandler)), middlewares=[object()])


# -- fallback with a circuit breaker -----------------------------------------------------


class TestFallbackWithCircuitBreaker:
    @pytest.mark.anyio
    async def test_every_primary_call_goes_through_the_breaker(self) -> None:
        journal = Journal()
        breaker = FakeCircuitBreaker()
        fallback = cqrs.EventHandlerFallback(
            primary=AuditHandler, fallback=CountHandler, circuit_breaker=breaker
        )
        mediator = event_mediator(journal, binds((UserJoined, fallback)))

        await mediator.send(user_joined("u-1"))
        await mediator.send(user_joined("u-2"))

        assert breaker.calls == [AuditHandler, AuditHandler]
        assert journal.entries == ["audit u-1", "audit u-2"]

    @pytest.mark.anyio
    async def test_a_failing_primary_falls_back(self) -> None:
        journal = Journal()
        breaker = FakeCircuitBreaker()
        fallback = cqrs.EventHandlerFallback(
            primary=FailingHandler, fallback=CountHandler, circuit_breaker=breaker
        )
        mediator = event_mediator(journal, binds((UserJoined, fallback)))

        await mediator.send(user_joined("u-1"))

        assert breaker.calls == [FailingHandler]
        assert journal.entries == ["failing u-1", "count u-1"]

    @pytest.mark.anyio
    async def test_an_open_circuit_goes_to_the_fallback_without_the_primary(self) -> None:
        journal = Journal()
        breaker = FakeCircuitBreaker(is_open=True)
        fallback = cqrs.EventHandlerFallback(
            primary=AuditHandler, fallback=CountHandler, circuit_breaker=breaker
        )
        mediator = event_mediator(journal, binds((UserJoined, fallback)))

        await mediator.send(user_joined("u-1"))

        assert breaker.calls == [AuditHandler]
        assert journal.entries == ["count u-1"]

    @pytest.mark.anyio
    async def test_an_open_circuit_falls_back_whatever_failure_exceptions_says(self) -> None:
        journal = Journal()
        fallback = cqrs.EventHandlerFallback(
            primary=AuditHandler,
            fallback=CountHandler,
            failure_exceptions=(TimeoutError,),
            circuit_breaker=FakeCircuitBreaker(is_open=True),
        )
        mediator = event_mediator(journal, binds((UserJoined, fallback)))

        await mediator.send(user_joined("u-1"))

        assert journal.entries == ["count u-1"]


# -- a seeds-style consumer --------------------------------------------------------------


class TestJsonConsumer:
    @pytest.mark.anyio
    async def test_a_decoded_message_is_dispatched(self) -> None:
        deserializers = pytest.importorskip(
            "cqrs.deserializers.json", reason="cqrs.deserializers.json is not available yet"
        )
        journal = Journal()
        mediator = event_mediator(journal, binds((UserJoined, AuditHandler)))
        produced = user_joined("u-9")
        body = json.dumps(produced.to_dict()).encode()

        decode = deserializers.JsonDeserializer(cqrs.NotificationEvent[UserJoinedPayload])
        consumed = decode(body)
        await mediator.send(consumed)

        assert consumed == produced
        assert journal.entries == ["audit u-9"]
