"""RequestHandlerFallback: construction checks, falling back, and the circuit breaker.

Covers `send` (plain handlers) and `stream` (streaming handlers); DESIGN §6 notes that
the reference's streaming fallback accepts a circuit breaker and never calls it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, TypeVar, cast

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.requests import bootstrap
from cqrs.testing import (
    FakeCircuitBreaker,
    FakeStreamGuardingCircuitBreaker,
)

T = TypeVar("T")


class Journal:
    def __init__(self) -> None:
        self.entries: list[str] = []


# -- plain handlers ----------------------------------------------------------------------


class Fetch(cqrs.Request):
    fail: str = ""  # "", "connection" or "value"


class Value(cqrs.Response):
    source: str


class Primary(cqrs.RequestHandler[Fetch, Value]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        journal.entries.append("primary built")

    async def handle(self, request: Fetch) -> Value:
        self._journal.entries.append("primary handle")
        if request.fail == "connection":
            raise ConnectionError("primary is down")
        if request.fail == "value":
            raise ValueError("primary is confused")
        return Value(source="primary")


class Fallback(cqrs.RequestHandler[Fetch, Value]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        journal.entries.append("fallback built")

    async def handle(self, request: Fetch) -> Value:
        self._journal.entries.append("fallback handle")
        return Value(source="fallback")


class OtherRequest(cqrs.Request):
    pass


class OtherRequestFallback(cqrs.RequestHandler[OtherRequest, Value]):
    async def handle(self, request: OtherRequest) -> Value:
        return Value(source="other")


class OtherValue(cqrs.Response):
    text: str


class OtherResponseFallback(cqrs.RequestHandler[Fetch, OtherValue]):
    async def handle(self, request: Fetch) -> OtherValue:
        return OtherValue(text="other")


# -- streaming handlers ------------------------------------------------------------------


class StreamFetch(cqrs.Request):
    n: int = 4
    fail_after: int | None = None  # raise ConnectionError instead of item number `fail_after`


class PrimaryStream(cqrs.StreamingRequestHandler[StreamFetch, str]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, request: StreamFetch) -> AsyncIterator[str]:
        self._journal.entries.append("primary stream started")
        for i in range(request.n):
            if i == request.fail_after:
                raise ConnectionError("stream connection lost")
            yield f"primary-{i}"


class FallbackStream(cqrs.StreamingRequestHandler[StreamFetch, str]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, request: StreamFetch) -> AsyncIterator[str]:
        self._journal.entries.append("fallback stream started")
        try:
            for i in range(request.n):
                yield f"fallback-{i}"
        finally:
            self._journal.entries.append("fallback stream closed")


class StreamingFallbackForFetch(cqrs.StreamingRequestHandler[Fetch, Value]):
    async def handle(self, request: Fetch) -> AsyncIterator[Value]:
        yield Value(source="stream")


# -- wiring ------------------------------------------------------------------------------


def container(journal: Journal) -> DefaultContainer:
    di = DefaultContainer()
    di.bind_instance(Journal, journal)
    return di


def send_mediator(journal: Journal, binding: cqrs.RequestHandlerFallback) -> cqrs.RequestMediator:
    def mapper(request_map: cqrs.RequestMap) -> None:
        request_map.bind(Fetch, binding)

    return bootstrap.bootstrap(di_container=container(journal), commands_mapper=mapper)


def stream_mediator(
    journal: Journal, binding: cqrs.RequestHandlerFallback
) -> cqrs.StreamingRequestMediator:
    def mapper(request_map: cqrs.RequestMap) -> None:
        request_map.bind(StreamFetch, binding)

    return bootstrap.bootstrap_streaming(di_container=container(journal), commands_mapper=mapper)


def fallback(
    failure_exceptions: tuple[type[BaseException], ...] = (ConnectionError,),
    breaker: FakeCircuitBreaker | None = None,
) -> cqrs.RequestHandlerFallback:
    return cqrs.RequestHandlerFallback(
        primary=Primary,
        fallback=Fallback,
        failure_exceptions=failure_exceptions,
        circuit_breaker=breaker,
    )


def stream_fallback(breaker: FakeCircuitBreaker | None = None) -> cqrs.RequestHandlerFallback:
    return cqrs.RequestHandlerFallback(
        primary=PrimaryStream,
        fallback=FallbackStream,
        failure_exceptions=(ConnectionError,),
        circuit_breaker=breaker,
    )


async def collect(stream: AsyncIterator[str]) -> list[str]:
    return [item async for item in stream]


# -- tests -------------------------------------------------------------------------------


class TestFallbackConstruction:
    def test_plain_and_streaming_handlers_cannot_be_mixed(self) -> None:
        with pytest.raises(TypeError, match="same kind"):
            cqrs.RequestHandlerFallback(primary=Primary, fallback=StreamingFallbackForFetch)

    def test_different_request_types_are_refused(self) -> None:
        with pytest.raises(TypeError, match="request"):
            cqrs.RequestHandlerFallback(primary=Primary, fallback=OtherRequestFallback)

    def test_different_response_types_are_refused(self) -> None:
        with pytest.raises(TypeError, match="response"):
            cqrs.RequestHandlerFallback(primary=Primary, fallback=OtherResponseFallback)

    def test_non_class_primary_is_refused(self) -> None:
        with pytest.raises(TypeError, match="primary"):
            cqrs.RequestHandlerFallback(primary=cast(Any, Primary(Journal())), fallback=Fallback)

    def test_non_class_fallback_is_refused(self) -> None:
        async def handle(request: Fetch) -> Value:
            return Value(source="function")

        with pytest.raises(TypeError, match="fallback"):
            cqrs.RequestHandlerFallback(primary=Primary, fallback=cast(Any, handle))

    def test_non_exception_in_failure_exceptions_is_refused(self) -> None:
        with pytest.raises(TypeError, match="failure_exceptions"):
            cqrs.RequestHandlerFallback(
                primary=Primary,
                fallback=Fallback,
                failure_exceptions=cast(Any, (ConnectionError, "TimeoutError")),
            )

    def test_failure_exceptions_given_as_a_list_are_refused(self) -> None:
        with pytest.raises(TypeError, match="failure_exceptions"):
            cqrs.RequestHandlerFallback(
                primary=Primary, fallback=Fallback, failure_exceptions=cast(Any, [ValueError])
            )


class TestSendFallback:
    @pytest.mark.anyio
    async def test_primary_success_returns_the_primary_response(self) -> None:
        response = await send_mediator(Journal(), fallback()).send(Fetch())

        assert response == Value(source="primary")

    @pytest.mark.anyio
    async def test_primary_success_does_not_build_the_fallback(self) -> None:
        journal = Journal()

        await send_mediator(journal, fallback()).send(Fetch())

        assert journal.entries == ["primary built", "primary handle"]

    @pytest.mark.anyio
    async def test_listed_exception_returns_the_fallback_response(self) -> None:
        response = await send_mediator(Journal(), fallback()).send(Fetch(fail="connection"))

        assert response == Value(source="fallback")

    @pytest.mark.anyio
    async def test_unlisted_exception_propagates(self) -> None:
        journal = Journal()

        with pytest.raises(ValueError, match="confused"):
            await send_mediator(journal, fallback()).send(Fetch(fail="value"))
        assert "fallback handle" not in journal.entries

    @pytest.mark.anyio
    async def test_empty_failure_exceptions_falls_back_on_any_exception(self) -> None:
        mediator = send_mediator(Journal(), fallback(failure_exceptions=()))

        response = await mediator.send(Fetch(fail="value"))

        assert response == Value(source="fallback")


class TestSendFallbackCircuitBreaker:
    @pytest.mark.anyio
    async def test_breaker_is_called_for_every_primary_attempt(self) -> None:
        breaker = FakeCircuitBreaker(fail_max=10)
        mediator = send_mediator(Journal(), fallback(breaker=breaker))

        await mediator.send(Fetch())
        await mediator.send(Fetch(fail="connection"))
        await mediator.send(Fetch())

        assert breaker.calls == [Primary, Primary, Primary]

    @pytest.mark.anyio
    async def test_breaker_counts_primary_failures(self) -> None:
        breaker = FakeCircuitBreaker(fail_max=10)
        mediator = send_mediator(Journal(), fallback(breaker=breaker))

        await mediator.send(Fetch(fail="connection"))
        await mediator.send(Fetch())

        assert (breaker.failures, breaker.successes) == (1, 1)

    @pytest.mark.anyio
    async def test_open_circuit_does_not_call_the_primary(self) -> None:
        journal = Journal()
        breaker = FakeCircuitBreaker(fail_max=2)
        mediator = send_mediator(journal, fallback(breaker=breaker))
        await mediator.send(Fetch(fail="connection"))
        await mediator.send(Fetch(fail="connection"))
        assert breaker.is_open

        await mediator.send(Fetch())

        assert journal.entries.count("primary handle") == 2

    @pytest.mark.anyio
    async def test_open_circuit_answers_with_the_fallback(self) -> None:
        breaker = FakeCircuitBreaker(is_open=True)
        mediator = send_mediator(Journal(), fallback(breaker=breaker))

        response = await mediator.send(Fetch())

        assert response == Value(source="fallback")

    @pytest.mark.anyio
    async def test_open_circuit_falls_back_even_if_its_error_is_not_listed(self) -> None:
        breaker = FakeCircuitBreaker(is_open=True)
        mediator = send_mediator(Journal(), fallback((KeyError,), breaker=breaker))

        response = await mediator.send(Fetch())

        assert response == Value(source="fallback")


class TestStreamFallback:
    @pytest.mark.anyio
    async def test_primary_stream_without_failure_is_delivered_whole(self) -> None:
        mediator = stream_mediator(Journal(), stream_fallback())

        items = await collect(mediator.stream(StreamFetch(n=3)))

        assert items == ["primary-0", "primary-1", "primary-2"]

    @pytest.mark.anyio
    async def test_mid_stream_failure_continues_with_the_whole_fallback_stream(self) -> None:
        """The streaming fallback contract.

        Items the primary yielded before failing stay delivered (nothing is taken back
        or de-duplicated); when it then raises a listed exception, the fallback handler
        is called with the same request and its whole stream follows, from its first
        item. So a primary that yields 2 items of 4 and fails gives
        primary-0, primary-1, fallback-0, fallback-1, fallback-2, fallback-3.
        """
        mediator = stream_mediator(Journal(), stream_fallback())

        items = await collect(mediator.stream(StreamFetch(n=4, fail_after=2)))

        assert items == [
            "primary-0",
            "primary-1",
            "fallback-0",
            "fallback-1",
            "fallback-2",
            "fallback-3",
        ]

    @pytest.mark.anyio
    async def test_failure_before_the_first_item_gives_the_fallback_stream(self) -> None:
        mediator = stream_mediator(Journal(), stream_fallback())

        items = await collect(mediator.stream(StreamFetch(n=2, fail_after=0)))

        assert items == ["fallback-0", "fallback-1"]

    @pytest.mark.anyio
    async def test_closing_during_the_fallback_stream_closes_the_fallback_handler(self) -> None:
        journal = Journal()
        stream = cast(
            AsyncGenerator[str, None],
            stream_mediator(journal, stream_fallback()).stream(StreamFetch(n=4, fail_after=1)),
        )

        async with aclosing(stream):
            async for item in stream:
                if item == "fallback-1":
                    break

        assert journal.entries[-1] == "fallback stream closed"


class TestStreamFallbackCircuitBreaker:
    @pytest.mark.anyio
    async def test_streaming_fallback_calls_the_breaker(self) -> None:
        """DESIGN §6: the reference's streaming fallback never calls its circuit breaker."""
        breaker = FakeCircuitBreaker(fail_max=10)
        mediator = stream_mediator(Journal(), stream_fallback(breaker))

        await collect(mediator.stream(StreamFetch(n=2)))

        assert breaker.calls
        assert set(breaker.calls) == {PrimaryStream}

    @pytest.mark.anyio
    async def test_mid_stream_failure_counts_as_one_failure(self) -> None:
        breaker = FakeCircuitBreaker(fail_max=10)
        mediator = stream_mediator(Journal(), stream_fallback(breaker))

        await collect(mediator.stream(StreamFetch(n=4, fail_after=2)))

        assert breaker.failures == 1

    @pytest.mark.anyio
    async def test_normal_end_of_stream_is_not_a_failure(self) -> None:
        breaker = FakeCircuitBreaker(fail_max=10)
        mediator = stream_mediator(Journal(), stream_fallback(breaker))

        items = await collect(mediator.stream(StreamFetch(n=3)))

        assert breaker.failures == 0
        assert items == ["primary-0", "primary-1", "primary-2"]

    @pytest.mark.anyio
    async def test_open_breaker_goes_straight_to_the_fallback(self) -> None:
        journal = Journal()
        breaker = FakeCircuitBreaker(fail_max=1)
        mediator = stream_mediator(journal, stream_fallback(breaker))
        await collect(mediator.stream(StreamFetch(n=4, fail_after=1)))
        assert breaker.is_open
        journal.entries.clear()

        items = await collect(mediator.stream(StreamFetch(n=2)))

        assert items == ["fallback-0", "fallback-1"]
        assert "primary stream started" not in journal.entries


class ExclResult(cqrs.Response):
    source: str


class ExclQuery(cqrs.Request[ExclResult]):
    key: str


class LookupFailingPrimary(cqrs.RequestHandler[ExclQuery, ExclResult]):
    async def handle(self, request: ExclQuery) -> ExclResult:
        raise KeyError(request.key)


class OtherFailingPrimary(cqrs.RequestHandler[ExclQuery, ExclResult]):
    async def handle(self, request: ExclQuery) -> ExclResult:
        raise ConnectionError("down")


class ExclFallback(cqrs.RequestHandler[ExclQuery, ExclResult]):
    async def handle(self, request: ExclQuery) -> ExclResult:
        return ExclResult(source="fallback")


@pytest.mark.anyio
class TestExcludedExceptions:
    async def test_an_excluded_exception_reaches_the_caller_without_fallback(self) -> None:
        breaker = FakeCircuitBreaker(exclude=(LookupError,))
        mediator = bootstrap.bootstrap(
            queries_mapper=lambda m: m.bind(
                ExclQuery,
                cqrs.RequestHandlerFallback(
                    primary=LookupFailingPrimary, fallback=ExclFallback, circuit_breaker=breaker
                ),
            )
        )
        with pytest.raises(KeyError):
            await mediator.send(ExclQuery(key="missing"))
        assert breaker.calls == [LookupFailingPrimary]

    async def test_other_exceptions_still_fall_back(self) -> None:
        mediator = bootstrap.bootstrap(
            queries_mapper=lambda m: m.bind(
                ExclQuery,
                cqrs.RequestHandlerFallback(
                    primary=OtherFailingPrimary,
                    fallback=ExclFallback,
                    circuit_breaker=FakeCircuitBreaker(exclude=(LookupError,)),
                ),
            )
        )
        assert await mediator.send(ExclQuery(key="k")) == ExclResult(source="fallback")


class TestStreamGuard:
    @pytest.mark.anyio
    async def test_a_guarding_breaker_sees_the_whole_stream_as_one_call(self) -> None:
        breaker = FakeStreamGuardingCircuitBreaker(fail_max=10)
        mediator = stream_mediator(Journal(), stream_fallback(breaker))

        items = await collect(mediator.stream(StreamFetch(n=3)))

        assert items == ["primary-0", "primary-1", "primary-2"]
        assert breaker.guarded == [PrimaryStream]
        assert breaker.calls == []  # no per-pull calls
        assert (breaker.successes, breaker.failures) == (1, 0)

    @pytest.mark.anyio
    async def test_mid_stream_failures_add_up_and_open_the_circuit(self) -> None:
        """Items delivered before each failure must not reset a consecutive-failure count."""
        journal = Journal()
        breaker = FakeStreamGuardingCircuitBreaker(fail_max=2)
        mediator = stream_mediator(journal, stream_fallback(breaker))
        for _ in range(2):
            items = await collect(mediator.stream(StreamFetch(n=3, fail_after=2)))
            assert items[:2] == ["primary-0", "primary-1"]
        journal.entries.clear()

        items = await collect(mediator.stream(StreamFetch(n=2)))

        assert breaker.failures == 2
        assert items == ["fallback-0", "fallback-1"]
        assert "primary stream started" not in journal.entries
