"""cqrs.testing's fake circuit breakers, and how fallbacks find a breaker's optional methods."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, TypeVar

import pytest

import cqrs
from cqrs.circuit_breaker import (
    ExcludingCircuitBreaker,
    ICircuitBreaker,
    StreamGuardingCircuitBreaker,
)
from cqrs.requests import bootstrap
from cqrs.testing import (
    FakeCircuitBreaker,
    FakeCircuitOpenError,
    FakeStreamGuardingCircuitBreaker,
)

T = TypeVar("T")


async def ok(value: str) -> str:
    return value


async def down() -> str:
    raise ConnectionError("down")


async def refused() -> str:
    raise LookupError("no such order")


async def items(n: int, fail_after: int | None = None) -> AsyncGenerator[int, None]:
    for index in range(n):
        if index == fail_after:
            raise ConnectionError("stream broke")
        yield index


async def drain(stream: Any) -> list[Any]:
    return [item async for item in stream]


class TestFakeCircuitBreaker:
    def test_implements_the_protocol_and_exclusions(self) -> None:
        breaker = FakeCircuitBreaker()

        assert isinstance(breaker, ICircuitBreaker)
        assert isinstance(breaker, ExcludingCircuitBreaker)
        assert not isinstance(breaker, StreamGuardingCircuitBreaker)

    @pytest.mark.anyio
    async def test_records_identifiers_and_passes_arguments(self) -> None:
        breaker = FakeCircuitBreaker()

        assert await breaker.call("svc", ok, value="v") == "v"

        assert (breaker.calls, breaker.successes, breaker.failures) == (["svc"], 1, 0)

    @pytest.mark.anyio
    async def test_opens_when_failures_reach_fail_max(self) -> None:
        breaker = FakeCircuitBreaker(fail_max=2)
        for _ in range(2):
            with pytest.raises(ConnectionError):
                await breaker.call("svc", down)

        with pytest.raises(FakeCircuitOpenError, match="'svc' is open"):
            await breaker.call("svc", ok, "v")

        assert breaker.is_open

    @pytest.mark.anyio
    async def test_without_fail_max_never_opens_by_itself(self) -> None:
        breaker = FakeCircuitBreaker()
        for _ in range(20):
            with pytest.raises(ConnectionError):
                await breaker.call("svc", down)

        assert not breaker.is_open

    @pytest.mark.anyio
    async def test_an_open_circuit_does_not_call_the_function(self) -> None:
        breaker = FakeCircuitBreaker(is_open=True)
        called: list[str] = []

        async def record() -> None:
            called.append("called")

        with pytest.raises(FakeCircuitOpenError):
            await breaker.call("svc", record)

        assert called == []

    @pytest.mark.anyio
    async def test_close_lets_calls_through_again(self) -> None:
        breaker = FakeCircuitBreaker(fail_max=1)
        with pytest.raises(ConnectionError):
            await breaker.call("svc", down)

        breaker.close()

        assert await breaker.call("svc", ok, "v") == "v"

    def test_open_forces_the_circuit_open(self) -> None:
        breaker = FakeCircuitBreaker()

        breaker.open()

        assert breaker.is_open

    @pytest.mark.anyio
    async def test_excluded_errors_count_as_successes(self) -> None:
        breaker = FakeCircuitBreaker(fail_max=1, exclude=(LookupError,))

        with pytest.raises(LookupError):
            await breaker.call("svc", refused)

        assert (breaker.failures, breaker.successes, breaker.is_open) == (0, 1, False)

    def test_recognises_only_its_own_error(self) -> None:
        breaker = FakeCircuitBreaker()

        assert breaker.is_circuit_breaker_error(FakeCircuitOpenError("svc"))
        assert not breaker.is_circuit_breaker_error(ConnectionError("down"))

    def test_its_error_is_a_cqrs_error(self) -> None:
        assert issubclass(FakeCircuitOpenError, cqrs.CQRSError)

    def test_bad_fail_max_is_refused(self) -> None:
        with pytest.raises(ValueError, match="fail_max"):
            FakeCircuitBreaker(fail_max=0)


class TestFakeStreamGuardingCircuitBreaker:
    def test_implements_the_stream_guard(self) -> None:
        assert isinstance(FakeStreamGuardingCircuitBreaker(), StreamGuardingCircuitBreaker)

    @pytest.mark.anyio
    async def test_a_whole_stream_is_one_success(self) -> None:
        breaker = FakeStreamGuardingCircuitBreaker()

        assert await drain(breaker.guard_stream("svc", items(3))) == [0, 1, 2]

        assert (breaker.guarded, breaker.calls, breaker.successes) == (["svc"], [], 1)

    @pytest.mark.anyio
    async def test_a_failure_mid_stream_is_one_failure(self) -> None:
        breaker = FakeStreamGuardingCircuitBreaker()

        with pytest.raises(ConnectionError):
            await drain(breaker.guard_stream("svc", items(3, fail_after=2)))

        assert (breaker.failures, breaker.successes) == (1, 0)

    @pytest.mark.anyio
    async def test_an_open_circuit_refuses_the_first_pull(self) -> None:
        breaker = FakeStreamGuardingCircuitBreaker(is_open=True)

        with pytest.raises(FakeCircuitOpenError):
            await drain(breaker.guard_stream("svc", items(3)))


class Lookup(cqrs.Request):
    key: str


class Found(cqrs.Response):
    source: str


class MissingPrimary(cqrs.RequestHandler[Lookup, Found]):
    async def handle(self, request: Lookup) -> Found:
        raise KeyError(request.key)


class Fallback(cqrs.RequestHandler[Lookup, Found]):
    async def handle(self, request: Lookup) -> Found:
        return Found(source="fallback")


class CountingLookups(FakeCircuitBreaker):
    """The public fake, counting how often its optional `is_excluded` is looked up."""

    lookups = 0

    def __getattribute__(self, name: str) -> Any:
        if name == "is_excluded":
            object.__setattr__(self, "lookups", object.__getattribute__(self, "lookups") + 1)
        return object.__getattribute__(self, name)


class TestOptionalMethodsArePlanned:
    @pytest.mark.anyio
    async def test_is_excluded_is_looked_up_when_the_binding_is_built_not_per_call(
        self,
    ) -> None:
        breaker = CountingLookups()
        mediator = bootstrap.bootstrap(
            queries_mapper=lambda m: m.bind(
                Lookup,
                cqrs.RequestHandlerFallback(
                    primary=MissingPrimary, fallback=Fallback, circuit_breaker=breaker
                ),
            )
        )
        planned = breaker.lookups

        for _ in range(3):
            assert await mediator.send(Lookup(key="k")) == Found(source="fallback")

        assert breaker.lookups == planned
