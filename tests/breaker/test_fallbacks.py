"""AioBreakerAdapter behind every fallback kind, through the public API.

`cqrs.RequestHandlerFallback` bound for `send` (bootstrap.bootstrap) and for `stream`
(bootstrap.bootstrap_streaming); `cqrs.EventHandlerFallback` in a request mediator's
`domain_events_mapper` and in the event mediator's `events_mapper`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

import cqrs
from cqrs.breaker import AioBreakerAdapter
from cqrs.container.default import DefaultContainer
from cqrs.events import bootstrap as event_bootstrap
from cqrs.requests import bootstrap

SHORT = 0.2
PAST_SHORT = 0.3


class Journal:
    def __init__(self) -> None:
        self.entries: list[str] = []

    def count(self, entry: str) -> int:
        return self.entries.count(entry)


class Refused(Exception):
    """A business error: listed in `exclude`, it must reach the caller."""


def fail(how: str) -> None:
    if how == "down":
        raise ConnectionError("primary is down")
    if how == "refused":
        raise Refused("no such customer")


def container(journal: Journal) -> DefaultContainer:
    di = DefaultContainer()
    di.bind_instance(Journal, journal)
    return di


# -- send ------------------------------------------------------------------------------


class Fetch(cqrs.Request):
    fail: str = ""  # "", "down" or "refused"


class Value(cqrs.Response):
    source: str


class Primary(cqrs.RequestHandler[Fetch, Value]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, request: Fetch) -> Value:
        self._journal.entries.append("primary")
        fail(request.fail)
        return Value(source="primary")


class Fallback(cqrs.RequestHandler[Fetch, Value]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, request: Fetch) -> Value:
        self._journal.entries.append("fallback")
        return Value(source="fallback")


def send_mediator(
    journal: Journal,
    breaker: AioBreakerAdapter,
    failure_exceptions: tuple[type[BaseException], ...] = (ConnectionError,),
) -> cqrs.RequestMediator:
    binding = cqrs.RequestHandlerFallback(
        primary=Primary,
        fallback=Fallback,
        failure_exceptions=failure_exceptions,
        circuit_breaker=breaker,
    )
    return bootstrap.bootstrap(
        di_container=container(journal),
        commands_mapper=lambda mapper: mapper.bind(Fetch, binding),
    )


class TestRequestFallback:
    @pytest.mark.anyio
    async def test_after_fail_max_failures_the_primary_is_not_called(self) -> None:
        journal = Journal()
        mediator = send_mediator(journal, AioBreakerAdapter(fail_max=3))
        for _ in range(3):
            await mediator.send(Fetch(fail="down"))

        await mediator.send(Fetch())

        assert journal.count("primary") == 3

    @pytest.mark.anyio
    async def test_an_open_circuit_answers_with_the_fallback(self) -> None:
        mediator = send_mediator(Journal(), AioBreakerAdapter(fail_max=1))
        await mediator.send(Fetch(fail="down"))

        assert await mediator.send(Fetch()) == Value(source="fallback")

    @pytest.mark.anyio
    async def test_after_the_timeout_the_primary_answers_again(self) -> None:
        mediator = send_mediator(Journal(), AioBreakerAdapter(fail_max=1, timeout_duration=SHORT))
        await mediator.send(Fetch(fail="down"))
        await asyncio.sleep(PAST_SHORT)

        assert await mediator.send(Fetch()) == Value(source="primary")

    @pytest.mark.anyio
    async def test_excluded_error_reaches_the_caller_with_empty_failure_exceptions(self) -> None:
        journal = Journal()
        mediator = send_mediator(journal, AioBreakerAdapter(exclude=[Refused]), ())

        with pytest.raises(Refused):
            await mediator.send(Fetch(fail="refused"))
        assert journal.count("fallback") == 0

    @pytest.mark.anyio
    async def test_excluded_errors_do_not_open_the_circuit(self) -> None:
        mediator = send_mediator(Journal(), AioBreakerAdapter(fail_max=2, exclude=[Refused]))
        for _ in range(4):
            with pytest.raises(Refused):
                await mediator.send(Fetch(fail="refused"))

        assert await mediator.send(Fetch()) == Value(source="primary")

    @pytest.mark.anyio
    async def test_the_unlisted_failure_that_opens_the_circuit_still_propagates(self) -> None:
        mediator = send_mediator(Journal(), AioBreakerAdapter(fail_max=2), (TimeoutError,))
        with pytest.raises(ConnectionError):
            await mediator.send(Fetch(fail="down"))

        with pytest.raises(ConnectionError):
            await mediator.send(Fetch(fail="down"))
        assert await mediator.send(Fetch()) == Value(source="fallback")


# -- stream ----------------------------------------------------------------------------


class Items(cqrs.Request):
    fail_at: int | None = None  # index of the item the primary fails on instead
    fail: str = "down"


class PrimaryItems(cqrs.StreamingRequestHandler[Items, str]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, request: Items) -> AsyncIterator[str]:
        self._journal.entries.append("primary started")
        for i in range(3):
            if i == request.fail_at:
                fail(request.fail)
            yield f"primary-{i}"


class FallbackItems(cqrs.StreamingRequestHandler[Items, str]):
    async def handle(self, request: Items) -> AsyncIterator[str]:
        for i in range(3):
            yield f"fallback-{i}"


def stream_mediator(journal: Journal, breaker: AioBreakerAdapter) -> cqrs.StreamingRequestMediator:
    binding = cqrs.RequestHandlerFallback(
        primary=PrimaryItems, fallback=FallbackItems, circuit_breaker=breaker
    )
    return bootstrap.bootstrap_streaming(
        di_container=container(journal),
        commands_mapper=lambda mapper: mapper.bind(Items, binding),
    )


async def collect(mediator: cqrs.StreamingRequestMediator, request: Items) -> list[str]:
    return [item async for item in mediator.stream(request)]


class TestStreamingFallback:
    @pytest.mark.anyio
    async def test_after_fail_max_failed_streams_the_primary_is_not_started(self) -> None:
        journal = Journal()
        mediator = stream_mediator(journal, AioBreakerAdapter(fail_max=3))
        for _ in range(3):
            await collect(mediator, Items(fail_at=0))

        await collect(mediator, Items())

        assert journal.count("primary started") == 3

    @pytest.mark.anyio
    async def test_an_open_circuit_streams_the_whole_fallback(self) -> None:
        mediator = stream_mediator(Journal(), AioBreakerAdapter(fail_max=1))
        await collect(mediator, Items(fail_at=0))

        assert await collect(mediator, Items()) == ["fallback-0", "fallback-1", "fallback-2"]

    @pytest.mark.anyio
    async def test_after_the_timeout_the_primary_streams_again(self) -> None:
        mediator = stream_mediator(Journal(), AioBreakerAdapter(fail_max=1, timeout_duration=SHORT))
        await collect(mediator, Items(fail_at=0))
        await asyncio.sleep(PAST_SHORT)

        assert await collect(mediator, Items()) == ["primary-0", "primary-1", "primary-2"]

    @pytest.mark.anyio
    async def test_excluded_error_reaches_the_consumer(self) -> None:
        mediator = stream_mediator(Journal(), AioBreakerAdapter(exclude=[Refused]))

        with pytest.raises(Refused):
            await collect(mediator, Items(fail_at=1, fail="refused"))

    @pytest.mark.anyio
    async def test_streams_failing_mid_stream_open_the_circuit(self) -> None:
        journal = Journal()
        mediator = stream_mediator(journal, AioBreakerAdapter(fail_max=3))
        for _ in range(3):
            await collect(mediator, Items(fail_at=2))

        await collect(mediator, Items())

        assert journal.count("primary started") == 3


# -- events ----------------------------------------------------------------------------


class Placed(cqrs.DomainEvent, frozen=True):
    fail: str = ""


class PrimaryPlaced(cqrs.EventHandler[Placed]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Placed) -> None:
        self._journal.entries.append("primary")
        fail(event.fail)


class FallbackPlaced(cqrs.EventHandler[Placed]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: Placed) -> None:
        self._journal.entries.append("fallback")


def bind_placed(breaker: AioBreakerAdapter) -> Callable[[cqrs.EventMap], None]:
    def mapper(event_map: cqrs.EventMap) -> None:
        event_map.bind(
            Placed,
            cqrs.EventHandlerFallback(
                primary=PrimaryPlaced, fallback=FallbackPlaced, circuit_breaker=breaker
            ),
        )

    return mapper


class Place(cqrs.Request):
    fail: str = ""


class PlaceHandler(cqrs.RequestHandler[Place, None]):
    def __init__(self) -> None:
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events

    async def handle(self, request: Place) -> None:
        self._events.append(Placed(fail=request.fail))


def command_mediator(journal: Journal, breaker: AioBreakerAdapter) -> cqrs.RequestMediator:
    return bootstrap.bootstrap(
        di_container=container(journal),
        commands_mapper=lambda mapper: mapper.bind(Place, PlaceHandler),
        domain_events_mapper=bind_placed(breaker),
    )


def event_mediator(journal: Journal, breaker: AioBreakerAdapter) -> cqrs.EventMediator:
    return event_bootstrap.bootstrap(
        di_container=container(journal),
        events_mapper=bind_placed(breaker),
    )


class TestDomainEventFallback:
    @pytest.mark.anyio
    async def test_after_fail_max_failures_the_primary_is_not_called(self) -> None:
        journal = Journal()
        mediator = command_mediator(journal, AioBreakerAdapter(fail_max=2))
        for _ in range(2):
            await mediator.send(Place(fail="down"))

        await mediator.send(Place())

        assert (journal.count("primary"), journal.count("fallback")) == (2, 3)

    @pytest.mark.anyio
    async def test_excluded_error_is_reported_and_not_handled_by_the_fallback(self) -> None:
        journal = Journal()
        mediator = command_mediator(journal, AioBreakerAdapter(exclude=[Refused]))

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await mediator.send(Place(fail="refused"))

        assert isinstance(caught.value.failures[0].error, Refused)
        assert journal.count("fallback") == 0


class TestEventMediatorFallback:
    @pytest.mark.anyio
    async def test_after_fail_max_failures_the_primary_is_not_called(self) -> None:
        journal = Journal()
        mediator = event_mediator(journal, AioBreakerAdapter(fail_max=2))
        for _ in range(2):
            await mediator.send(Placed(fail="down"))

        await mediator.send(Placed())

        assert (journal.count("primary"), journal.count("fallback")) == (2, 3)

    @pytest.mark.anyio
    async def test_after_the_timeout_the_primary_is_called_again(self) -> None:
        journal = Journal()
        mediator = event_mediator(journal, AioBreakerAdapter(fail_max=1, timeout_duration=SHORT))
        await mediator.send(Placed(fail="down"))
        await asyncio.sleep(PAST_SHORT)

        await mediator.send(Placed())

        assert journal.entries == ["primary", "fallback", "primary"]

    @pytest.mark.anyio
    async def test_excluded_error_is_reported_and_not_handled_by_the_fallback(self) -> None:
        journal = Journal()
        mediator = event_mediator(journal, AioBreakerAdapter(exclude=[Refused]))

        with pytest.raises(cqrs.EventHandlingError) as caught:
            await mediator.send(Placed(fail="refused"))

        assert isinstance(caught.value.failures[0].error, Refused)
        assert journal.count("fallback") == 0
