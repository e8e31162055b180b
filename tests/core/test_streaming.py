"""StreamingRequestMediator.stream: laziness, order, closing, routing and events per item."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import TypeVar, cast

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.requests import bootstrap

T = TypeVar("T")


class Journal:
    """What happened, in order; shared by handlers and the test through the container."""

    def __init__(self) -> None:
        self.entries: list[str] = []


class CountTo(cqrs.Request):
    n: int


class CountingHandler(cqrs.StreamingRequestHandler[CountTo, int]):
    """Records each item before yielding it, and its own closing; no events code at all."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, request: CountTo) -> AsyncIterator[int]:
        try:
            for i in range(1, request.n + 1):
                self._journal.entries.append(f"produce {i}")
                yield i
        finally:
            self._journal.entries.append("closed")


class ItemProduced(cqrs.DomainEvent):
    n: int


class EmitPerItem(cqrs.Request):
    n: int


class EmittingHandler(cqrs.StreamingRequestHandler[EmitPerItem, int]):
    """Collects one domain event per item, as in the stream-handling docs."""

    def __init__(self) -> None:
        self._events: list[cqrs.DomainEvent] = []

    @property
    def events(self) -> list[cqrs.DomainEvent]:
        return self._events.copy()

    def clear_events(self) -> None:
        self._events.clear()

    async def handle(self, request: EmitPerItem) -> AsyncIterator[int]:
        for i in range(1, request.n + 1):
            self._events.append(ItemProduced(n=i))
            yield i


class OnItemProduced(cqrs.EventHandler[ItemProduced]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: ItemProduced) -> None:
        self._journal.entries.append(f"event {event.n}")


class Unbound(cqrs.Request):
    pass


def commands(mapper: cqrs.RequestMap) -> None:
    mapper.bind(CountTo, CountingHandler)
    mapper.bind(EmitPerItem, EmittingHandler)


def domain_events(mapper: cqrs.EventMap) -> None:
    mapper.bind(ItemProduced, OnItemProduced)


class ResolveOnlyContainer:
    """A container with `resolve` only, no `sync_factory` fast path (like the di adapter)."""

    def __init__(self, inner: DefaultContainer) -> None:
        self._inner = inner

    async def resolve(self, type_: type[T], /) -> T:
        return await self._inner.resolve(type_)


def mediator(journal: Journal, *, resolve_only: bool = False) -> cqrs.StreamingRequestMediator:
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    return bootstrap.bootstrap_streaming(
        di_container=ResolveOnlyContainer(container) if resolve_only else container,
        commands_mapper=commands,
        domain_events_mapper=domain_events,
    )


async def collect(stream: AsyncIterator[int]) -> list[int]:
    return [item async for item in stream]


class TestStreamCall:
    def test_stream_is_called_without_await(self) -> None:
        stream = mediator(Journal()).stream(CountTo(n=1))

        assert not inspect.isawaitable(stream)
        assert isinstance(stream, AsyncIterator)

    @pytest.mark.anyio
    async def test_yields_items_in_order(self) -> None:
        items = await collect(mediator(Journal()).stream(CountTo(n=4)))

        assert items == [1, 2, 3, 4]

    def test_unbound_request_raises_at_the_stream_call(self) -> None:
        with pytest.raises(cqrs.RequestHandlerNotFound, match="Unbound"):
            mediator(Journal()).stream(Unbound())


class TestStreamLaziness:
    @pytest.mark.anyio
    async def test_nothing_is_produced_before_the_first_pull(self) -> None:
        journal = Journal()

        stream = cast(AsyncGenerator[int, None], mediator(journal).stream(CountTo(n=3)))
        await asyncio.sleep(0)

        assert journal.entries == []
        await stream.aclose()

    @pytest.mark.anyio
    async def test_after_one_pull_the_second_item_is_not_produced(self) -> None:
        journal = Journal()
        stream = cast(AsyncGenerator[int, None], mediator(journal).stream(CountTo(n=3)))

        first = await anext(stream)

        assert first == 1
        assert journal.entries == ["produce 1"]
        await stream.aclose()


class TestStreamClosing:
    @pytest.mark.anyio
    async def test_closing_after_break_runs_the_handlers_finally(self) -> None:
        journal = Journal()
        stream = cast(AsyncGenerator[int, None], mediator(journal).stream(CountTo(n=5)))

        async with aclosing(stream):
            async for item in stream:
                if item == 2:
                    break
            assert "closed" not in journal.entries

        assert journal.entries == ["produce 1", "produce 2", "closed"]

    @pytest.mark.anyio
    async def test_closing_runs_the_handlers_finally_with_a_resolve_only_container(self) -> None:
        """Containers without `sync_factory` (e.g. the di adapter) take another code path."""
        journal = Journal()
        stream = cast(
            AsyncGenerator[int, None],
            mediator(journal, resolve_only=True).stream(CountTo(n=5)),
        )

        async with aclosing(stream):
            async for item in stream:
                if item == 2:
                    break

        assert journal.entries == ["produce 1", "produce 2", "closed"]

    @pytest.mark.anyio
    async def test_resolve_only_container_streams_lazily_and_in_order(self) -> None:
        journal = Journal()
        stream = cast(
            AsyncGenerator[int, None],
            mediator(journal, resolve_only=True).stream(CountTo(n=3)),
        )

        assert await anext(stream) == 1
        assert journal.entries == ["produce 1"]
        assert [item async for item in stream] == [2, 3]

    @pytest.mark.anyio
    async def test_break_alone_closes_the_handlers_generator(self) -> None:
        journal = Journal()

        async for item in mediator(journal).stream(CountTo(n=5)):
            if item == 2:
                break
        # The abandoned stream is finalised by the event loop (asyncgen hooks).
        for _ in range(20):
            if "closed" in journal.entries:
                break
            await asyncio.sleep(0)

        assert journal.entries == ["produce 1", "produce 2", "closed"]

    @pytest.mark.anyio
    async def test_exhausted_stream_closes_the_handlers_generator(self) -> None:
        journal = Journal()

        await collect(mediator(journal).stream(CountTo(n=2)))

        assert journal.entries == ["produce 1", "produce 2", "closed"]


class TestStreamEvents:
    @pytest.mark.anyio
    async def test_event_handler_runs_before_its_item_reaches_the_consumer(self) -> None:
        journal = Journal()

        async for item in mediator(journal).stream(EmitPerItem(n=3)):
            journal.entries.append(f"item {item}")

        assert journal.entries == [
            "event 1",
            "item 1",
            "event 2",
            "item 2",
            "event 3",
            "item 3",
        ]

    @pytest.mark.anyio
    async def test_each_event_is_handled_once(self) -> None:
        journal = Journal()

        await collect(mediator(journal).stream(EmitPerItem(n=3)))

        assert sorted(journal.entries) == ["event 1", "event 2", "event 3"]


class TestStreamingHandlerDefaults:
    def test_default_events_are_empty(self) -> None:
        handler = CountingHandler(Journal())

        assert list(handler.events) == []

    def test_default_clear_events_is_a_no_op(self) -> None:
        handler = CountingHandler(Journal())

        handler.clear_events()

        assert list(handler.events) == []

    @pytest.mark.anyio
    async def test_handler_without_events_code_streams_with_events_mapper_bound(self) -> None:
        journal = Journal()

        items = await collect(mediator(journal).stream(CountTo(n=2)))

        assert items == [1, 2]
        assert not any(entry.startswith("event") for entry in journal.entries)
