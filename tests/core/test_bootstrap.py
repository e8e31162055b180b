"""bootstrap / bootstrap_streaming: the checks and the planning done once, at startup."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

import cqrs
from cqrs.message_brokers.devnull import DevnullMessageBroker
from cqrs.requests import bootstrap


class Ping(cqrs.Request):
    pass


class PingHandler(cqrs.RequestHandler[Ping, str]):
    async def handle(self, request: Ping) -> str:
        return "pong"


class Ticks(cqrs.Request):
    pass


class TicksHandler(cqrs.StreamingRequestHandler[Ticks, int]):
    async def handle(self, request: Ticks) -> AsyncIterator[int]:
        yield 1


class Link(cqrs.CORRequestHandler[Ping, str]):
    async def handle(self, request: Ping) -> str | None:
        return "link"


class Late(cqrs.Request):
    pass


class LateHandler(cqrs.RequestHandler[Late, None]):
    async def handle(self, request: Late) -> None:
        pass


def ping_mapper(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Ping, PingHandler)


def streaming_bound_for_send(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Ticks, TicksHandler)


def plain_bound_for_stream(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Ping, PingHandler)


def chain_bound_for_stream(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Ping, [Link])


class StashingMapper:
    """A mapper that keeps the map it was given, to bind into it after bootstrap."""

    def __init__(self) -> None:
        self.request_map: cqrs.RequestMap | None = None
        self.event_map: cqrs.EventMap | None = None

    def requests(self, mapper: cqrs.RequestMap) -> None:
        mapper.bind(Ping, PingHandler)
        self.request_map = mapper

    def events(self, mapper: cqrs.EventMap) -> None:
        self.event_map = mapper


class LateEvent(cqrs.Event):
    pass


class LateEventHandler(cqrs.EventHandler[LateEvent]):
    async def handle(self, event: LateEvent) -> None:
        pass


class NotABroker:
    def publish(self, message: object) -> None:
        pass


class TestHandlerKinds:
    def test_streaming_handler_bound_for_send_fails_at_bootstrap(self) -> None:
        with pytest.raises(cqrs.HandlerKindError):
            bootstrap.bootstrap(commands_mapper=streaming_bound_for_send)

    def test_handler_kind_error_names_request_and_handler(self) -> None:
        with pytest.raises(cqrs.HandlerKindError) as caught:
            bootstrap.bootstrap(commands_mapper=streaming_bound_for_send)

        assert "Ticks" in str(caught.value)
        assert "TicksHandler" in str(caught.value)

    def test_handler_kind_error_is_a_configuration_error(self) -> None:
        with pytest.raises(cqrs.ConfigurationError):
            bootstrap.bootstrap(queries_mapper=streaming_bound_for_send)

    def test_plain_handler_bound_for_stream_fails_at_bootstrap(self) -> None:
        with pytest.raises(cqrs.HandlerKindError, match="PingHandler"):
            bootstrap.bootstrap_streaming(commands_mapper=plain_bound_for_stream)

    def test_chain_bound_for_stream_fails_at_bootstrap(self) -> None:
        with pytest.raises(cqrs.HandlerKindError, match="Ping"):
            bootstrap.bootstrap_streaming(commands_mapper=chain_bound_for_stream)


class TestStartup:
    def test_on_startup_callables_are_called_once(self) -> None:
        calls: list[str] = []

        bootstrap.bootstrap(
            commands_mapper=ping_mapper,
            on_startup=[lambda: calls.append("first"), lambda: calls.append("second")],
        )

        assert calls == ["first", "second"]

    def test_on_startup_is_called_once_for_streaming(self) -> None:
        calls: list[str] = []

        bootstrap.bootstrap_streaming(on_startup=[lambda: calls.append("start")])

        assert calls == ["start"]

    @pytest.mark.anyio
    async def test_startup_callable_is_not_called_again_on_send(self) -> None:
        calls: list[str] = []
        mediator = bootstrap.bootstrap(
            commands_mapper=ping_mapper, on_startup=[lambda: calls.append("start")]
        )

        await mediator.send(Ping())
        await mediator.send(Ping())

        assert calls == ["start"]


class TestArguments:
    def test_zero_concurrent_event_handlers_is_refused(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="max_concurrent_event_handlers"):
            bootstrap.bootstrap(commands_mapper=ping_mapper, max_concurrent_event_handlers=0)

    def test_zero_concurrent_event_handlers_is_refused_for_streaming(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="max_concurrent_event_handlers"):
            bootstrap.bootstrap_streaming(max_concurrent_event_handlers=0)

    def test_non_broker_message_broker_is_refused(self) -> None:
        with pytest.raises(cqrs.BootstrapError, match="NotABroker"):
            bootstrap.bootstrap(commands_mapper=ping_mapper, message_broker=cast(Any, NotABroker()))

    def test_broker_implementing_the_protocol_is_accepted(self) -> None:
        mediator = bootstrap.bootstrap(
            commands_mapper=ping_mapper, message_broker=DevnullMessageBroker()
        )

        assert isinstance(mediator, cqrs.RequestMediator)

    def test_bootstrap_defaults(self) -> None:
        parameters = inspect.signature(bootstrap.bootstrap).parameters

        assert parameters["max_concurrent_event_handlers"].default == 1
        assert parameters["concurrent_event_handle_enable"].default is True

    def test_bootstrap_streaming_defaults(self) -> None:
        parameters = inspect.signature(bootstrap.bootstrap_streaming).parameters

        assert parameters["max_concurrent_event_handlers"].default == 10
        assert parameters["concurrent_event_handle_enable"].default is True


class TestFrozenMaps:
    def test_request_map_is_frozen_after_bootstrap(self) -> None:
        stash = StashingMapper()
        bootstrap.bootstrap(commands_mapper=stash.requests)
        assert stash.request_map is not None

        with pytest.raises(cqrs.BindingError, match="frozen"):
            stash.request_map.bind(Late, LateHandler)

    def test_event_map_is_frozen_after_bootstrap(self) -> None:
        stash = StashingMapper()
        bootstrap.bootstrap(commands_mapper=stash.requests, domain_events_mapper=stash.events)
        assert stash.event_map is not None

        with pytest.raises(cqrs.BindingError, match="frozen"):
            stash.event_map.bind(LateEvent, LateEventHandler)

    @pytest.mark.anyio
    async def test_refused_late_binding_leaves_the_mediator_unchanged(self) -> None:
        stash = StashingMapper()
        mediator = bootstrap.bootstrap(commands_mapper=stash.requests)
        assert stash.request_map is not None
        with pytest.raises(cqrs.BindingError):
            stash.request_map.bind(Late, LateHandler)

        with pytest.raises(cqrs.RequestHandlerNotFound):
            await mediator.send(Late())


class TestContainers:
    @pytest.mark.anyio
    async def test_raw_di_container_is_accepted(self) -> None:
        di = pytest.importorskip("di")

        mediator = bootstrap.bootstrap(di_container=di.Container(), commands_mapper=ping_mapper)

        assert await mediator.send(Ping()) == "pong"

    @pytest.mark.anyio
    async def test_container_may_be_omitted(self) -> None:
        mediator = bootstrap.bootstrap(commands_mapper=ping_mapper)

        assert await mediator.send(Ping()) == "pong"
