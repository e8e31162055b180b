"""DefaultContainer's request scope: one object per dispatch, shared, closed when it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.events import bootstrap as event_bootstrap
from cqrs.exceptions import BindingError, DependencyResolutionError
from cqrs.requests import bootstrap

pytestmark = pytest.mark.anyio


class Session:
    """A resource that is an async context manager and records its life."""

    created: list[Session] = []

    def __init__(self) -> None:
        self.exited_with: list[type[BaseException] | None] = []
        Session.created.append(self)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.exited_with.append(exc_type)

    @property
    def closed(self) -> bool:
        return bool(self.exited_with)


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session


class Order(cqrs.Request[None]):
    fail: bool = False
    block: bool = False


class OrderHandler(cqrs.RequestHandler[Order, None]):
    seen: list[tuple[Session, Repository]] = []
    started = asyncio.Event()

    def __init__(self, session: Session, repository: Repository) -> None:
        self.session, self.repository = session, repository

    async def handle(self, request: Order) -> None:
        OrderHandler.seen.append((self.session, self.repository))
        assert not self.session.closed  # alive while the handler runs
        if request.block:
            OrderHandler.started.set()
            await asyncio.Event().wait()
        if request.fail:
            raise RuntimeError("handler failed")


class Plain(cqrs.Request[None]):
    pass


class PlainHandler(cqrs.RequestHandler[Plain, None]):
    async def handle(self, request: Plain) -> None:
        return None


class Client:
    closed = 0

    async def aclose(self) -> None:
        Client.closed += 1


class UsesClient(cqrs.RequestHandler[Plain, None]):
    def __init__(self, client: Client) -> None:
        self.client = client

    async def handle(self, request: Plain) -> None:
        assert Client.closed == 0


@pytest.fixture(autouse=True)
def _fresh() -> None:
    Session.created.clear()
    OrderHandler.seen.clear()
    OrderHandler.started = asyncio.Event()


def _container() -> DefaultContainer:
    container = DefaultContainer()
    container.bind(Session, Session, scoped=True)
    return container


def _mediator(container: DefaultContainer | None = None) -> cqrs.RequestMediator:
    def commands(mapper: cqrs.RequestMap) -> None:
        mapper.bind(Order, OrderHandler)
        mapper.bind(Plain, PlainHandler)

    return bootstrap.bootstrap(di_container=container or _container(), commands_mapper=commands)


class TestRequestScope:
    async def test_handler_and_its_repository_share_one_scoped_object(self) -> None:
        await _mediator().send(Order())
        [(session, repository)] = OrderHandler.seen
        assert repository.session is session

    async def test_each_send_gets_its_own_object(self) -> None:
        mediator = _mediator()
        await mediator.send(Order())
        await mediator.send(Order())
        first, second = (session for session, _ in OrderHandler.seen)
        assert first is not second

    async def test_object_is_closed_when_the_send_returns(self) -> None:
        await _mediator().send(Order())
        [session] = Session.created
        assert session.exited_with == [None]

    async def test_object_is_closed_with_the_error_when_the_handler_raises(self) -> None:
        with pytest.raises(RuntimeError, match="handler failed"):
            await _mediator().send(Order(fail=True))
        [session] = Session.created
        assert session.exited_with == [RuntimeError]

    async def test_object_is_closed_when_the_send_is_cancelled(self) -> None:
        task = asyncio.ensure_future(_mediator().send(Order(block=True)))
        await OrderHandler.started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        [session] = Session.created
        assert session.exited_with == [asyncio.CancelledError]

    async def test_object_with_aclose_is_closed(self) -> None:
        Client.closed = 0
        container = DefaultContainer()
        container.bind(Client, Client, scoped=True)
        mediator = bootstrap.bootstrap(
            di_container=container, commands_mapper=lambda m: m.bind(Plain, UsesClient)
        )
        await mediator.send(Plain())
        assert Client.closed == 1

    async def test_resolving_a_scoped_type_outside_a_dispatch_is_an_error(self) -> None:
        with pytest.raises(DependencyResolutionError, match="scoped=True"):
            await _container().resolve(Repository)

    async def test_only_handlers_that_use_a_scoped_binding_need_a_scope(self) -> None:
        container = _container()
        assert container.uses_scope(OrderHandler) is True
        assert container.uses_scope(PlainHandler) is False

    async def test_a_plan_planned_earlier_still_reports_its_scope(self) -> None:
        container = _container()
        assert container.uses_scope(Repository) is True
        assert container.uses_scope(OrderHandler) is True

    def test_singleton_and_scoped_together_are_refused(self) -> None:
        with pytest.raises(BindingError, match="singleton=True and scoped=True"):
            DefaultContainer().bind(Session, Session, singleton=True, scoped=True)


class Count(cqrs.Request[int]):
    pass


class CountHandler(cqrs.StreamingRequestHandler[Count, int]):
    def __init__(self, session: Session) -> None:
        self.session = session

    async def handle(self, request: Count) -> AsyncIterator[int]:
        for n in range(3):
            assert not self.session.closed
            yield n


class TestStreamScope:
    def _mediator(self) -> cqrs.StreamingRequestMediator:
        return bootstrap.bootstrap_streaming(
            di_container=_container(), commands_mapper=lambda m: m.bind(Count, CountHandler)
        )

    async def test_object_lives_until_the_stream_ends(self) -> None:
        items = [item async for item in self._mediator().stream(Count())]
        [session] = Session.created
        assert (items, session.exited_with) == ([0, 1, 2], [None])

    async def test_object_is_closed_when_the_consumer_stops_early(self) -> None:
        stream: Any = self._mediator().stream(Count())
        assert await stream.__anext__() == 0
        await stream.aclose()
        [session] = Session.created
        assert session.closed


class Shipped(cqrs.DomainEvent):
    order_id: str


class ShippedHandler(cqrs.EventHandler[Shipped]):
    sessions: list[Session] = []

    def __init__(self, session: Session) -> None:
        self.session = session

    async def handle(self, event: Shipped) -> None:
        ShippedHandler.sessions.append(self.session)


class TestEventScope:
    async def test_each_event_dispatch_gets_its_own_closed_object(self) -> None:
        ShippedHandler.sessions.clear()
        mediator = event_bootstrap.bootstrap(
            di_container=_container(), events_mapper=lambda m: m.bind(Shipped, ShippedHandler)
        )
        await mediator.send(Shipped(order_id="1"))
        await mediator.send(Shipped(order_id="2"))
        first, second = ShippedHandler.sessions
        assert first is not second
        assert first.exited_with == second.exited_with == [None]
