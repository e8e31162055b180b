"""The pydantic flavour wherever the dataclass flavour works: mediators, events, mixing."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

import cqrs
import cqrs.pydantic
from cqrs.container.default import DefaultContainer
from cqrs.events import bootstrap as events_bootstrap
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.requests import bootstrap

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


class Journal:
    """What the event handlers saw (bound as an instance in the container)."""

    def __init__(self) -> None:
        self.seen: list[Any] = []


# -- payloads and events of both flavours ---------------------------------------------------


class PDProfile(cqrs.pydantic.Response):
    name: str


class DCProfile(cqrs.Response):
    name: str


class PDRenamed(cqrs.pydantic.DomainEvent, frozen=True):
    name: str


class DCRenamed(cqrs.DomainEvent, frozen=True):
    name: str


PDJoined = cqrs.pydantic.NotificationEvent[PDProfile]
DCJoined = cqrs.NotificationEvent[DCProfile]


# -- requests and handlers -------------------------------------------------------------------


class GetProfile(cqrs.pydantic.Request[PDProfile]):
    name: str


class GetProfileHandler(cqrs.RequestHandler[GetProfile, PDProfile]):
    async def handle(self, request: GetProfile) -> PDProfile:
        return PDProfile(name=request.name.title())


class Count(cqrs.pydantic.Request[PDProfile]):
    upto: int


class CountHandler(cqrs.StreamingRequestHandler[Count, PDProfile]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events.copy()

    async def handle(self, request: Count) -> AsyncIterator[PDProfile]:
        for n in range(request.upto):
            self._events.append(PDRenamed(name=f"n{n}"))
            yield PDProfile(name=str(n))


class Emit(cqrs.pydantic.Request[None]):
    """A pydantic command whose handler emits the events it is given (of any flavour)."""

    events: list[Any]


class DCEmit(cqrs.Request[None]):
    """A dataclass command whose handler emits the events it is given (of any flavour)."""

    events: list[Any]


class EmitHandler(cqrs.RequestHandler[Emit, None]):
    def __init__(self) -> None:
        self._events: list[Any] = []

    @property
    def events(self) -> list[Any]:
        return self._events

    async def handle(self, request: Emit) -> None:
        self._events.extend(request.events)


class DCEmitHandler(cqrs.RequestHandler[DCEmit, None]):
    def __init__(self) -> None:
        self._events: list[Any] = []

    @property
    def events(self) -> list[Any]:
        return self._events

    async def handle(self, request: DCEmit) -> None:
        self._events.extend(request.events)


class PDRenamedHandler(cqrs.EventHandler[PDRenamed]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: PDRenamed) -> None:
        self._journal.seen.append(event)


class DCRenamedHandler(cqrs.EventHandler[DCRenamed]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: DCRenamed) -> None:
        self._journal.seen.append(event)


class PDJoinedHandler(cqrs.EventHandler[PDJoined]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: PDJoined) -> None:
        self._journal.seen.append(event)


def requests(mapper: cqrs.RequestMap) -> None:
    mapper.bind(GetProfile, GetProfileHandler)
    mapper.bind(Emit, EmitHandler)
    mapper.bind(DCEmit, DCEmitHandler)


def domain_events(mapper: cqrs.EventMap) -> None:
    mapper.bind(PDRenamed, PDRenamedHandler)
    mapper.bind(DCRenamed, DCRenamedHandler)


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def broker() -> InMemoryMessageBroker:
    return InMemoryMessageBroker()


@pytest.fixture
def mediator(journal: Journal, broker: InMemoryMessageBroker) -> cqrs.RequestMediator:
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    return bootstrap.bootstrap(
        di_container=container,
        commands_mapper=requests,
        domain_events_mapper=domain_events,
        message_broker=broker,
    )


@pytest.mark.anyio
class TestSend:
    async def test_query_answers_with_its_typed_response(
        self, mediator: cqrs.RequestMediator
    ) -> None:
        view = assert_type(await mediator.send(GetProfile(name="ann")), PDProfile)
        assert view == PDProfile(name="Ann")

    async def test_unbound_pydantic_request_raises_naming_it(
        self, mediator: cqrs.RequestMediator
    ) -> None:
        with pytest.raises(cqrs.RequestHandlerNotFound, match="Count"):
            await mediator.send(Count(upto=1))


@pytest.mark.anyio
class TestStream:
    async def test_items_and_their_events_arrive_in_order(self, journal: Journal) -> None:
        container = DefaultContainer()
        container.bind_instance(Journal, journal)
        mediator = bootstrap.bootstrap_streaming(
            di_container=container,
            commands_mapper=lambda m: m.bind(Count, CountHandler),
            domain_events_mapper=domain_events,
        )
        names = []
        async for item in mediator.stream(Count(upto=2)):
            names.append(assert_type(item, PDProfile).name)
            assert journal.seen[-1] == PDRenamed(name=f"n{item.name}")
        assert names == ["0", "1"]


@pytest.mark.anyio
class TestEvents:
    async def test_pydantic_domain_event_reaches_its_handler(
        self, mediator: cqrs.RequestMediator, journal: Journal
    ) -> None:
        await mediator.send(Emit(events=[PDRenamed(name="a")]))
        assert journal.seen == [PDRenamed(name="a")]

    async def test_pydantic_domain_event_without_handlers_is_accepted(
        self, mediator: cqrs.RequestMediator, journal: Journal
    ) -> None:
        class Unwatched(cqrs.pydantic.DomainEvent):
            note: str

        await mediator.send(Emit(events=[Unwatched(note="nobody listens")]))
        assert journal.seen == []

    async def test_pydantic_notification_event_is_published_in_the_wire_format(
        self, mediator: cqrs.RequestMediator, broker: InMemoryMessageBroker
    ) -> None:
        event = PDJoined(event_name="UserJoined", topic="users", payload=PDProfile(name="A"))
        await mediator.send(Emit(events=[event]))
        (message,) = broker.topic("users")
        assert message.message_id == event.event_id
        assert message.message_name == "UserJoined"
        assert message.payload == event.to_dict()

    async def test_event_that_is_neither_domain_nor_notification_is_refused(
        self, mediator: cqrs.RequestMediator
    ) -> None:
        class Stray(cqrs.pydantic.Event):
            note: str

        with pytest.raises(cqrs.EventRoutingError, match="Stray"):
            await mediator.send(Emit(events=[Stray(note="x")]))


@pytest.mark.anyio
class TestEventMediator:
    async def test_parametrised_notification_event_is_routed_by_its_exact_type(
        self, journal: Journal
    ) -> None:
        container = DefaultContainer()
        container.bind_instance(Journal, journal)
        mediator = events_bootstrap.bootstrap(
            di_container=container,
            events_mapper=lambda m: m.bind(
                cqrs.pydantic.NotificationEvent[PDProfile], PDJoinedHandler
            ),
        )
        wire = PDJoined(event_name="UserJoined", topic="users", payload=PDProfile(name="A"))
        event = PDJoined.from_dict(**json.loads(json.dumps(wire.to_dict())))
        await mediator.send(event)
        assert journal.seen == [wire]

    async def test_other_parametrisation_is_not_routed(self, journal: Journal) -> None:
        mediator = events_bootstrap.bootstrap(
            events_mapper=lambda m: m.bind(PDJoined, PDJoinedHandler),
        )
        other = cqrs.pydantic.NotificationEvent[DCProfile](event_name="e", topic="t")
        with pytest.raises(cqrs.EventRoutingError, match="no handler"):
            await mediator.send(other)


@pytest.mark.anyio
class TestMixedFlavours:
    async def test_pydantic_command_emits_dataclass_events(
        self, mediator: cqrs.RequestMediator, journal: Journal, broker: InMemoryMessageBroker
    ) -> None:
        joined = DCJoined(event_name="UserJoined", topic="users", payload=DCProfile(name="A"))
        await mediator.send(Emit(events=[DCRenamed(name="a"), joined]))
        assert journal.seen == [DCRenamed(name="a")]
        assert broker.topic("users")[0].payload == joined.to_dict()

    async def test_dataclass_command_emits_pydantic_events(
        self, mediator: cqrs.RequestMediator, journal: Journal, broker: InMemoryMessageBroker
    ) -> None:
        joined = PDJoined(event_name="UserJoined", topic="users", payload=PDProfile(name="A"))
        await mediator.send(DCEmit(events=[PDRenamed(name="a"), joined]))
        assert journal.seen == [PDRenamed(name="a")]
        assert broker.topic("users")[0].payload == joined.to_dict()

    def test_pydantic_response_holds_a_dataclass_payload(self) -> None:
        class Wrapper(cqrs.pydantic.Response):
            profile: DCProfile

        wrapper = Wrapper(profile=DCProfile(name="A"))
        assert wrapper.to_dict() == {"profile": {"name": "A"}}
        assert Wrapper.from_dict(**wrapper.to_dict()) == wrapper

    def test_dataclass_response_holds_a_pydantic_payload(self) -> None:
        wrapper = DCWrapper(profile=PDProfile(name="A"))
        assert wrapper.to_dict() == {"profile": {"name": "A"}}
        assert DCWrapper.from_dict(**wrapper.to_dict()) == wrapper


class DCWrapper(cqrs.Response):
    profile: PDProfile


class TestJsonDeserializer:
    def test_reads_a_pydantic_notification_event(self) -> None:
        json_module = pytest.importorskip(
            "cqrs.deserializers.json", reason="cqrs.deserializers.json is not in the core yet"
        )
        event = PDJoined(event_name="UserJoined", topic="users", payload=PDProfile(name="A"))
        decoded = json_module.JsonDeserializer(PDJoined)(json.dumps(event.to_dict()))
        assert decoded == event
        assert type(decoded) is PDJoined

    def test_bad_message_names_the_pydantic_class(self) -> None:
        json_module = pytest.importorskip(
            "cqrs.deserializers.json", reason="cqrs.deserializers.json is not in the core yet"
        )
        errors = pytest.importorskip("cqrs.deserializers.exceptions")
        with pytest.raises(errors.DeserializeError, match=r"NotificationEvent\[PDProfile\]"):
            json_module.JsonDeserializer(PDJoined, raise_on_error=True)(b'{"event_name": 1}')
