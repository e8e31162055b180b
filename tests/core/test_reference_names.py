"""The python-cqrs names added for migrating code behave as documented (issue 9.9)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from typing import Any

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.events.event_emitter import EventEmitter
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.message_brokers.protocol import Message
from cqrs.outbox.map import OutboxedEventMap
from cqrs.outbox.mock import MockOutboxedEventRepository
from cqrs.serializers.default import default_serializer
from cqrs.serializers.json import serialize_event


class Registered(cqrs.DomainEvent):
    user_id: str


class Welcome(cqrs.NotificationEvent[dict[str, str]]):
    event_name: str = "Welcome"


class Seen:
    def __init__(self) -> None:
        self.users: list[str] = []


class OnRegistered(cqrs.EventHandler[Registered]):
    def __init__(self, seen: Seen) -> None:
        self.seen = seen
        self._events: list[Any] = []

    @property
    def events(self) -> list[Any]:
        return self._events

    async def handle(self, event: Registered) -> None:
        self.seen.users.append(event.user_id)
        self._events.append(Welcome(topic="welcome", payload={"user_id": event.user_id}))


def _map() -> cqrs.EventMap:
    event_map = cqrs.EventMap()
    event_map.bind(Registered, OnRegistered)
    return event_map


def _container(seen: Seen) -> DefaultContainer:
    container = DefaultContainer()
    container.bind_instance(Seen, seen)
    return container


class TestEventEmitter:
    @pytest.mark.anyio
    async def test_emit_runs_the_bound_handler(self) -> None:
        seen = Seen()
        emitter = EventEmitter(_map(), _container(seen), InMemoryMessageBroker())
        await emitter.emit(Registered(user_id="u1"))
        assert seen.users == ["u1"]

    @pytest.mark.anyio
    async def test_emit_publishes_the_handlers_notifications(self) -> None:
        broker = InMemoryMessageBroker()
        emitter = EventEmitter(_map(), _container(Seen()), broker)
        await emitter.emit(Registered(user_id="u2"))
        assert [m.payload["payload"] for m in broker.topic("welcome")] == [{"user_id": "u2"}]

    @pytest.mark.anyio
    async def test_notification_without_broker_raises(self) -> None:
        emitter = EventEmitter(cqrs.EventMap())
        with pytest.raises(cqrs.EventRoutingError):
            await emitter.emit(Welcome(payload={}))

    def test_is_exported_at_the_reference_paths(self) -> None:
        assert cqrs.EventEmitter is EventEmitter
        assert cqrs.events.EventEmitter is EventEmitter


class TestOutboxedEventMap:
    def test_get_returns_the_registered_class(self) -> None:
        name = f"welcome-{uuid.uuid4()}"
        OutboxedEventMap.register(name, Welcome)
        assert OutboxedEventMap.get(name) is Welcome

    def test_get_of_an_unknown_name_is_none(self) -> None:
        assert OutboxedEventMap.get(f"unknown-{uuid.uuid4()}") is None

    def test_a_taken_name_cannot_be_given_another_class(self) -> None:
        name = f"taken-{uuid.uuid4()}"
        OutboxedEventMap.register(name, Welcome)
        with pytest.raises(cqrs.BindingError, match=name):
            OutboxedEventMap.register(name, cqrs.NotificationEvent[dict[str, str]])

    def test_a_non_class_is_refused(self) -> None:
        with pytest.raises(cqrs.BindingError, match="needs a notification event class"):
            OutboxedEventMap.register("x", Welcome(payload={}))  # type: ignore[arg-type]


class TestMockOutboxedEventRepository:
    @pytest.mark.anyio
    async def test_keeps_committed_events(self) -> None:
        repository = MockOutboxedEventRepository()
        repository.add(Welcome(payload={"user_id": "u"}))
        await repository.commit()
        assert [row.event_name for row in repository.store.rows()] == ["Welcome"]


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Plain:
    at: datetime.datetime
    colour: Colour
    tags: frozenset[str]


class TestDefaultSerializer:
    def test_models_serialize_as_serialize_event_does(self) -> None:
        event = Welcome(payload={"user_id": "u"})
        assert default_serializer(event) == serialize_event(event)

    def test_a_message_becomes_json(self) -> None:
        message_id = uuid.uuid4()
        message = Message(message_name="m", message_id=message_id, topic="t", payload={"a": 1})
        assert json.loads(default_serializer(message)) == {
            "headers": {},
            "key": None,
            "message_id": str(message_id),
            "message_name": "m",
            "payload": {"a": 1},
            "topic": "t",
        }

    def test_plain_values_use_their_json_forms(self) -> None:
        at = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        data = json.loads(default_serializer(Plain(at=at, colour=Colour.RED, tags=frozenset("a"))))
        assert data == {"at": "2024-01-02T03:04:05+00:00", "colour": "red", "tags": ["a"]}

    def test_a_value_without_json_form_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match="cannot write object"):
            default_serializer({"x": object()})


class TestTypesModule:
    def test_type_variables_are_generic_parameters(self) -> None:
        from cqrs.types import ReqT, ResT

        class Handler(cqrs.RequestHandler[ReqT, ResT]):
            pass

        assert Handler.__parameters__ == (ReqT, ResT)  # type: ignore[attr-defined]


class TestContainerAndBrokerPackages:
    def test_container_protocol_is_exported_by_its_package(self) -> None:
        from cqrs.container import Container
        from cqrs.container.protocol import Container as Protocol

        assert Container is Protocol

    def test_message_types_are_exported_by_their_package(self) -> None:
        from cqrs.message_brokers import Message as Exported
        from cqrs.message_brokers import MessageBroker

        assert Exported is Message
        assert isinstance(InMemoryMessageBroker(), MessageBroker)
