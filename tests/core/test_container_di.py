"""DIContainer: solving with `di`, binds, scopes, async dependencies and errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Protocol

import pytest

pytest.importorskip("di")

import di
from di.dependent import Dependent

from cqrs.container.di import DIContainer
from cqrs.container.protocol import Container
from cqrs.exceptions import DependencyResolutionError


class MeetingAPIProtocol(Protocol):
    def link(self, meeting_id: str) -> str: ...


class MeetingAPIImplementation:
    def link(self, meeting_id: str) -> str:
        return f"https://meet/{meeting_id}"


class Pool:
    pass


class Clock:
    pass


class JoinMeetingHandler:
    """Not bound in di: di wires it from its type hints."""

    def __init__(self, meetings_api: MeetingAPIProtocol, clock: Clock) -> None:
        self.meetings_api = meetings_api
        self.clock = clock


class TwoClocks:
    def __init__(self, first: Clock, second: Clock) -> None:
        self.first = first
        self.second = second


class UsesPool:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool


class Connection:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


class UsesConnection:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection


class CycleA:
    def __init__(self, b: CycleB) -> None:
        self.b = b


class CycleB:
    def __init__(self, a: CycleA) -> None:
        self.a = a


async def open_connection() -> Connection:
    await asyncio.sleep(0)
    return Connection("async://")


closed: list[str] = []


async def app_pool() -> AsyncIterator[Pool]:
    yield Pool()
    closed.append("pool")


class CountingContainer(di.Container):
    """Records the type of every root it solves."""

    def __init__(self) -> None:
        super().__init__()
        self.solved: list[object] = []

    def solve(self, dependency: Any, *args: Any, **kwargs: Any) -> Any:
        self.solved.append(dependency.call)
        return super().solve(dependency, *args, **kwargs)


def make_container() -> di.Container:
    container = di.Container()
    container.bind(
        di.bind_by_type(Dependent(MeetingAPIImplementation, scope="request"), MeetingAPIProtocol)
    )
    return container


class TestAdapter:
    def test_is_a_container(self) -> None:
        assert isinstance(DIContainer(di.Container()), Container)

    def test_exposes_the_wrapped_container(self) -> None:
        container = di.Container()
        assert DIContainer(container).container is container


class TestResolve:
    @pytest.mark.anyio
    async def test_builds_an_unbound_handler_with_a_bound_protocol(self) -> None:
        handler = await DIContainer(make_container()).resolve(JoinMeetingHandler)
        assert isinstance(handler.meetings_api, MeetingAPIImplementation)
        assert isinstance(handler.clock, Clock)

    @pytest.mark.anyio
    async def test_request_scope_gives_a_fresh_graph_per_resolve(self) -> None:
        cqrs_container = DIContainer(make_container())
        first = await cqrs_container.resolve(JoinMeetingHandler)
        second = await cqrs_container.resolve(JoinMeetingHandler)
        assert first is not second
        assert first.meetings_api is not second.meetings_api
        assert first.clock is not second.clock

    @pytest.mark.anyio
    async def test_request_scope_shares_a_dependency_within_one_resolve(self) -> None:
        both = await DIContainer(di.Container()).resolve(TwoClocks)
        assert both.first is both.second

    @pytest.mark.anyio
    async def test_app_scope_is_shared_across_resolves(self) -> None:
        container = di.Container()
        container.bind(di.bind_by_type(Dependent(Pool, scope="app"), Pool))
        cqrs_container = DIContainer(container)
        first = await cqrs_container.resolve(UsesPool)
        second = await cqrs_container.resolve(UsesPool)
        assert first is not second
        assert first.pool is second.pool

    @pytest.mark.anyio
    async def test_aclose_tears_down_app_scoped_generators(self) -> None:
        container = di.Container()
        container.bind(di.bind_by_type(Dependent(app_pool, scope="app"), Pool))
        cqrs_container = DIContainer(container)
        closed.clear()
        first = await cqrs_container.resolve(UsesPool)
        assert closed == []
        await cqrs_container.aclose()
        assert closed == ["pool"]
        assert (await cqrs_container.resolve(UsesPool)).pool is not first.pool
        await cqrs_container.aclose()

    @pytest.mark.anyio
    async def test_aclose_before_any_resolve_does_nothing(self) -> None:
        cqrs_container = DIContainer(make_container())

        await cqrs_container.aclose()

        assert isinstance(await cqrs_container.resolve(UsesPool), UsesPool)
        await cqrs_container.aclose()

    @pytest.mark.anyio
    async def test_a_failure_inside_the_graph_is_a_resolution_error(self) -> None:
        def broken_pool() -> Pool:
            raise di.exceptions.DependencyInjectionException("pool factory refused")

        container = di.Container()
        container.bind(di.bind_by_type(Dependent(broken_pool, scope="request"), Pool))

        with pytest.raises(DependencyResolutionError, match="di failed while executing"):
            await DIContainer(container).resolve(UsesPool)

    @pytest.mark.anyio
    async def test_async_factory_is_awaited(self) -> None:
        container = di.Container()
        container.bind(di.bind_by_type(Dependent(open_connection, scope="request"), Connection))
        built = await DIContainer(container).resolve(UsesConnection)
        assert built.connection.dsn == "async://"

    @pytest.mark.anyio
    async def test_unscoped_bind_is_treated_as_request_scope(self) -> None:
        container = di.Container()
        container.bind(di.bind_by_type(Dependent(MeetingAPIImplementation), MeetingAPIProtocol))
        cqrs_container = DIContainer(container)
        first = await cqrs_container.resolve(JoinMeetingHandler)
        second = await cqrs_container.resolve(JoinMeetingHandler)
        assert first.meetings_api is not second.meetings_api

    @pytest.mark.anyio
    async def test_solves_once_per_type(self) -> None:
        container = CountingContainer()
        cqrs_container = DIContainer(container)
        await cqrs_container.resolve(TwoClocks)
        await cqrs_container.resolve(TwoClocks)
        assert container.solved == [TwoClocks]

    @pytest.mark.anyio
    async def test_concurrent_resolves_share_the_app_scope(self) -> None:
        container = di.Container()
        container.bind(di.bind_by_type(Dependent(Pool, scope="app"), Pool))
        cqrs_container = DIContainer(container)
        built = await asyncio.gather(*(cqrs_container.resolve(UsesPool) for _ in range(3)))
        assert len({id(item.pool) for item in built}) == 1


class TestErrors:
    @pytest.mark.anyio
    async def test_unbound_protocol_names_the_fix(self) -> None:
        with pytest.raises(DependencyResolutionError) as info:
            await DIContainer(di.Container()).resolve(JoinMeetingHandler)
        message = str(info.value)
        assert message.startswith("cannot build JoinMeetingHandler: it depends on")
        assert "MeetingAPIProtocol, which is a Protocol" in message
        assert "di.bind_by_type(" in message

    @pytest.mark.anyio
    async def test_cycle_is_a_resolution_error(self) -> None:
        with pytest.raises(DependencyResolutionError, match="cannot build CycleA: di could not"):
            await DIContainer(di.Container()).resolve(CycleA)

    @pytest.mark.anyio
    async def test_unknown_scope_names_the_known_ones(self) -> None:
        container = di.Container()
        container.bind(di.bind_by_type(Dependent(Pool, scope="session"), Pool))
        with pytest.raises(DependencyResolutionError, match=r"\('app', 'request'\)"):
            await DIContainer(container).resolve(UsesPool)
