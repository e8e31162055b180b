"""Public awaitable entry points are coroutine functions, as frameworks and mocks expect."""

from __future__ import annotations

import asyncio
import gc
import inspect
import unittest.mock
import warnings

import pytest

import cqrs
from cqrs.events import bootstrap as event_bootstrap
from cqrs.requests import bootstrap

pytestmark = pytest.mark.anyio


class Register(cqrs.Request[None]):
    name: str


class Unbound(cqrs.Request[None]):
    name: str


class Lookup(cqrs.Request["Found"]):
    key: str


class Found(cqrs.Response):
    key: str


REGISTERED: list[str] = []


class RegisterHandler(cqrs.RequestHandler[Register, None]):
    async def handle(self, request: Register) -> None:
        REGISTERED.append(request.name)


class LookupHandler(cqrs.RequestHandler[Lookup, Found]):
    async def handle(self, request: Lookup) -> Found:
        return Found(key=request.key)


class Joined(cqrs.DomainEvent, frozen=True):
    name: str


class OnJoined(cqrs.EventHandler[Joined]):
    async def handle(self, event: Joined) -> None:
        REGISTERED.append(f"joined {event.name}")


def make_mediator() -> cqrs.RequestMediator:
    return bootstrap.bootstrap(
        commands_mapper=lambda m: m.bind(Register, RegisterHandler),
        queries_mapper=lambda m: m.bind(Lookup, LookupHandler),
    )


class TestCoroutineFunctions:
    def test_request_mediator_send_is_a_coroutine_function(self) -> None:
        assert inspect.iscoroutinefunction(cqrs.RequestMediator.send)
        assert inspect.iscoroutinefunction(make_mediator().send)

    def test_event_mediator_send_is_a_coroutine_function(self) -> None:
        mediator = event_bootstrap.bootstrap(events_mapper=lambda m: m.bind(Joined, OnJoined))
        assert inspect.iscoroutinefunction(cqrs.EventMediator.send)
        assert inspect.iscoroutinefunction(mediator.send)

    async def test_autospec_mock_of_the_mediator_is_awaitable(self) -> None:
        mock = unittest.mock.create_autospec(cqrs.RequestMediator, instance=True)
        mock.send.return_value = Found(key="k")
        assert await mock.send(Lookup(key="k")) == Found(key="k")
        mock.send.assert_awaited_once()

    async def test_async_mock_with_spec_is_awaitable(self) -> None:
        mock = unittest.mock.AsyncMock(spec=cqrs.RequestMediator)
        await mock.send(Register(name="a"))
        mock.send.assert_awaited_once_with(Register(name="a"))


class TestUnboundRequests:
    async def test_unbound_request_raises_when_awaited_not_when_called(self) -> None:
        mediator = make_mediator()
        pending = mediator.send(Unbound(name="x"))  # building the awaitable does not raise
        with pytest.raises(cqrs.RequestHandlerNotFound, match="Unbound"):
            await pending

    async def test_gather_runs_the_bound_request_next_to_an_unbound_one(self) -> None:
        REGISTERED.clear()
        mediator = make_mediator()
        results = await asyncio.gather(
            mediator.send(Register(name="gathered")),
            mediator.send(Unbound(name="x")),
            return_exceptions=True,
        )
        assert results[0] is None
        assert isinstance(results[1], cqrs.RequestHandlerNotFound)
        assert REGISTERED == ["gathered"]

    async def test_passing_the_class_asks_for_an_instance(self) -> None:
        mediator = make_mediator()
        with pytest.raises(cqrs.RequestHandlerNotFound, match=r"pass an instance: send\(Lookup"):
            await mediator.send(Lookup)  # type: ignore[arg-type]

    def test_a_forgotten_await_names_send(self) -> None:
        mediator = make_mediator()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            forgotten = mediator.send(Register(name="forgotten"))
            del forgotten  # never awaited
            gc.collect()
        messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        assert any("RequestMediator.send" in message for message in messages), messages
