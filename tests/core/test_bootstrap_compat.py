"""Every bootstrap takes python-cqrs's positional order and `None` for each optional argument."""

from __future__ import annotations

import inspect
import typing
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.events import bootstrap as event_bootstrap
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.middlewares.base import HandleType, StreamHandleType
from cqrs.requests import bootstrap

# python-cqrs 4.x, src/cqrs/requests/bootstrap.py and src/cqrs/events/bootstrap.py.
REFERENCE_REQUEST_ORDER = [
    "di_container",
    "message_broker",
    "middlewares",
    "commands_mapper",
    "domain_events_mapper",
    "queries_mapper",
    "on_startup",
    "max_concurrent_event_handlers",
    "concurrent_event_handle_enable",
]
REFERENCE_EVENT_ORDER = ["di_container", "middlewares", "events_mapper", "on_startup"]


class Greeter:
    """A dependency only the container given positionally provides."""

    def __init__(self, greeting: str) -> None:
        self.greeting = greeting


class Greeted(cqrs.DomainEvent):
    name: str


class Greet(cqrs.Request):
    name: str


class Lookup(cqrs.Request):
    name: str


class Count(cqrs.Request):
    upto: int


class Spell(cqrs.Request):
    word: str


class GreetHandler(cqrs.RequestHandler[Greet, str]):
    def __init__(self, greeter: Greeter) -> None:
        self._greeter = greeter
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Greet) -> str:
        self._events.append(Greeted(name=request.name))
        self._events.append(cqrs.NotificationEvent(event_name="Greeted", topic="greetings"))
        return f"{self._greeter.greeting} {request.name}"


class LookupHandler(cqrs.RequestHandler[Lookup, str]):
    async def handle(self, request: Lookup) -> str:
        return request.name.upper()


class CountHandler(cqrs.StreamingRequestHandler[Count, int]):
    def __init__(self, greeter: Greeter) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Count) -> AsyncIterator[int]:
        for n in range(request.upto):
            self._events.append(Greeted(name=str(n)))
            yield n


class SpellHandler(cqrs.StreamingRequestHandler[Spell, str]):
    async def handle(self, request: Spell) -> AsyncIterator[str]:
        for letter in request.word:
            yield letter


class Journal:
    """Records what each positional argument did, to prove it arrived where it belongs."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def container(self) -> DefaultContainer:
        container = DefaultContainer()
        container.bind_instance(Greeter, Greeter("hello"))
        return container

    def middleware(self) -> Recorder:
        return Recorder(self.lines)

    def startup(self) -> Callable[[], None]:
        return lambda: self.lines.append("startup")

    def commands(self, mapper: cqrs.RequestMap) -> None:
        self.lines.append("commands mapper")
        mapper.bind(Greet, GreetHandler)

    def streams(self, mapper: cqrs.RequestMap) -> None:
        self.lines.append("commands mapper")
        mapper.bind(Count, CountHandler)

    def queries(self, mapper: cqrs.RequestMap) -> None:
        self.lines.append("queries mapper")
        mapper.bind(Lookup, LookupHandler)

    def stream_queries(self, mapper: cqrs.RequestMap) -> None:
        self.lines.append("queries mapper")
        mapper.bind(Spell, SpellHandler)

    def events(self, mapper: cqrs.EventMap) -> None:
        self.lines.append("events mapper")
        mapper.bind(Greeted, self.greeted_handler())

    def greeted_handler(self) -> type[cqrs.EventHandler[Greeted]]:
        lines = self.lines

        class OnGreeted(cqrs.EventHandler[Greeted]):
            async def handle(self, event: Greeted) -> None:
                lines.append(f"greeted {event.name}")

        return OnGreeted


class Recorder:
    def __init__(self, lines: list[str]) -> None:
        self._lines = lines

    async def __call__(self, request: Any, handle: HandleType) -> Any:
        self._lines.append(f"middleware {type(request).__name__}")
        return await handle(request)

    async def stream(self, request: Any, handle: StreamHandleType) -> AsyncIterator[Any]:
        self._lines.append(f"middleware {type(request).__name__}")
        async for item in handle(request):
            yield item


def _parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


class TestParameterOrder:
    def test_bootstrap_keeps_the_reference_order(self) -> None:
        assert _parameters(bootstrap.bootstrap) == REFERENCE_REQUEST_ORDER

    def test_bootstrap_streaming_keeps_the_reference_order(self) -> None:
        assert _parameters(bootstrap.bootstrap_streaming) == REFERENCE_REQUEST_ORDER

    def test_event_bootstrap_starts_with_the_reference_order(self) -> None:
        assert _parameters(event_bootstrap.bootstrap)[:4] == REFERENCE_EVENT_ORDER


@pytest.mark.anyio
class TestPositionalArguments:
    async def test_bootstrap_routes_every_positional_argument(self) -> None:
        journal = Journal()
        broker = InMemoryMessageBroker()
        mediator = bootstrap.bootstrap(
            journal.container(),
            broker,
            [journal.middleware()],
            journal.commands,
            journal.events,
            journal.queries,
            [journal.startup()],
            1,
            False,
        )

        assert await mediator.send(Greet(name="ann")) == "hello ann"
        assert await mediator.send(Lookup(name="bo")) == "BO"
        assert journal.lines == [
            "startup",
            "commands mapper",
            "queries mapper",
            "events mapper",
            "middleware Greet",
            "greeted ann",
            "middleware Lookup",
        ]
        assert [m.topic for m in broker.messages] == ["greetings"]

    async def test_bootstrap_streaming_routes_every_positional_argument(self) -> None:
        journal = Journal()
        mediator = bootstrap.bootstrap_streaming(
            journal.container(),
            InMemoryMessageBroker(),
            [journal.middleware()],
            journal.streams,
            journal.events,
            journal.stream_queries,
            [journal.startup()],
            2,
            True,
        )

        assert [n async for n in mediator.stream(Count(upto=2))] == [0, 1]
        assert [c async for c in mediator.stream(Spell(word="ok"))] == ["o", "k"]
        assert journal.lines == [
            "startup",
            "commands mapper",
            "queries mapper",
            "events mapper",
            "middleware Count",
            "greeted 0",
            "greeted 1",
            "middleware Spell",
        ]

    async def test_event_bootstrap_routes_every_positional_argument(self) -> None:
        journal = Journal()
        mediator = event_bootstrap.bootstrap(
            journal.container(), [journal.middleware()], journal.events, [journal.startup()]
        )

        await mediator.send(Greeted(name="cy"))

        assert journal.lines == ["startup", "events mapper", "middleware Greeted", "greeted cy"]


@pytest.mark.anyio
class TestNoneForOptionalArguments:
    async def test_bootstrap_takes_none_for_each_optional_argument(self) -> None:
        mediator = bootstrap.bootstrap(
            di_container=None,
            message_broker=None,
            middlewares=None,
            commands_mapper=None,
            domain_events_mapper=None,
            queries_mapper=lambda m: m.bind(Lookup, LookupHandler),
            on_startup=None,
        )

        assert await mediator.send(Lookup(name="dee")) == "DEE"

    async def test_bootstrap_streaming_takes_none_for_each_optional_argument(self) -> None:
        mediator = bootstrap.bootstrap_streaming(
            di_container=None,
            message_broker=None,
            middlewares=None,
            commands_mapper=None,
            domain_events_mapper=None,
            queries_mapper=None,
            on_startup=None,
        )

        with pytest.raises(cqrs.RequestHandlerNotFound):
            [item async for item in mediator.stream(Count(upto=1))]

    async def test_event_bootstrap_takes_none_for_each_optional_argument(self) -> None:
        mediator = event_bootstrap.bootstrap(
            di_container=None,
            middlewares=None,
            events_mapper=None,
            on_startup=None,
            message_broker=None,
        )

        with pytest.raises(cqrs.EventRoutingError):
            await mediator.send(Lookup(name="not an event"))


class TestAnnotations:
    @pytest.mark.parametrize(
        "function",
        [bootstrap.bootstrap, bootstrap.bootstrap_streaming, event_bootstrap.bootstrap],
        ids=["bootstrap", "bootstrap_streaming", "events.bootstrap"],
    )
    def test_no_parameter_is_typed_any(self, function: Callable[..., Any]) -> None:
        hints = typing.get_type_hints(function)
        untyped = [name for name in _parameters(function) if Any in _flatten(hints[name])]
        assert untyped == []


def _flatten(hint: Any) -> list[Any]:
    found = [hint]
    for argument in typing.get_args(hint):
        found += _flatten(argument)
    return found
