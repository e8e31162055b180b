"""Handlers without a cqrs base class: any class with an `async def handle` works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.requests import bootstrap


class Greet(cqrs.Request):
    name: str


class Greeting(cqrs.Response):
    text: str


class Greeted(cqrs.DomainEvent):
    name: str


class Journal:
    def __init__(self) -> None:
        self.entries: list[str] = []


class DuckGreeter:
    """No base class: only `async def handle`."""

    async def handle(self, request: Greet) -> Greeting:
        return Greeting(text=f"hello {request.name}")


class DuckEmitter:
    """No base class; sets `events` per instance, which is read after `handle`."""

    def __init__(self) -> None:
        self.events: list[cqrs.DomainEvent] = []

    async def handle(self, request: Greet) -> Greeting:
        self.events.append(Greeted(name=request.name))
        return Greeting(text="emitted")


class DuckStreamer:
    """No base class: `handle` is an async generator."""

    async def handle(self, request: Greet) -> AsyncIterator[Greeting]:
        for letter in request.name:
            yield Greeting(text=letter)


class SyncHandle:
    def handle(self, request: Greet) -> Greeting:
        return Greeting(text="sync")


class NoHandle:
    pass


class OnGreeted(cqrs.EventHandler[Greeted]):
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def handle(self, event: Greeted) -> None:
        self.journal.entries.append(event.name)


class DuckEventHandler:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def handle(self, event: Greeted) -> None:
        self.journal.entries.append(f"duck {event.name}")


def emitting(journal: Journal, event_handler: type) -> cqrs.RequestMediator:
    """A mediator sending `Greet` to `DuckEmitter`, its `Greeted` events to `event_handler`."""
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    return bootstrap.bootstrap(
        di_container=container,
        commands_mapper=lambda m: m.bind(Greet, DuckEmitter),
        domain_events_mapper=lambda m: m.bind(Greeted, event_handler),
    )


class TestDuckTypedRequestHandlers:
    @pytest.mark.anyio
    async def test_a_class_with_async_handle_answers_send(self) -> None:
        mediator = bootstrap.bootstrap(queries_mapper=lambda m: m.bind(Greet, DuckGreeter))

        assert await mediator.send(Greet(name="ann")) == Greeting(text="hello ann")

    @pytest.mark.anyio
    async def test_its_instance_events_are_processed(self) -> None:
        journal = Journal()

        await emitting(journal, OnGreeted).send(Greet(name="bob"))

        assert journal.entries == ["bob"]

    @pytest.mark.anyio
    async def test_an_async_generator_handle_streams(self) -> None:
        mediator = bootstrap.bootstrap_streaming(
            commands_mapper=lambda m: m.bind(Greet, DuckStreamer)
        )

        items = [item.text async for item in mediator.stream(Greet(name="cy"))]

        assert items == ["c", "y"]

    def test_a_synchronous_handle_is_refused(self) -> None:
        with pytest.raises(cqrs.BindingError, match="not a handler class"):
            cqrs.RequestMap().bind(Greet, SyncHandle)

    def test_a_class_without_handle_is_refused(self) -> None:
        with pytest.raises(cqrs.BindingError, match="not a handler class"):
            cqrs.RequestMap().bind(Greet, NoHandle)


class TestDuckTypedEventHandlers:
    @pytest.mark.anyio
    async def test_a_class_with_async_handle_receives_the_event(self) -> None:
        journal = Journal()

        await emitting(journal, DuckEventHandler).send(Greet(name="dee"))

        assert journal.entries == ["duck dee"]

    def test_a_synchronous_handle_is_refused(self) -> None:
        with pytest.raises(cqrs.BindingError, match="not an event handler class"):
            cqrs.EventMap().bind(Greeted, SyncHandle)
