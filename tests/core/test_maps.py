"""`RequestMap` and `EventMap` as collections: frozen by bootstrap, readable, checked."""

from __future__ import annotations

from typing import Any

import pytest

import cqrs
from cqrs.requests import bootstrap


class Ping(cqrs.Request):
    pass


class Pong(cqrs.Request):
    pass


class Pinged(cqrs.DomainEvent):
    pass


class OnPing(cqrs.RequestHandler[Ping, None]):
    async def handle(self, request: Ping) -> None:
        return None


class OnPong(cqrs.RequestHandler[Pong, None]):
    async def handle(self, request: Pong) -> None:
        return None


class OnPinged(cqrs.EventHandler[Pinged]):
    async def handle(self, event: Pinged) -> None:
        return None


class AlsoOnPinged(cqrs.EventHandler[Pinged]):
    async def handle(self, event: Pinged) -> None:
        return None


# Typed Any: the point is what bind() does at run time with an instance, not its signature.
NOT_A_CLASS: Any = Ping()
NOT_AN_EVENT_CLASS: Any = Pinged()


class TestRequestMap:
    def test_reads_like_a_mapping(self) -> None:
        requests = cqrs.RequestMap()
        requests.bind(Ping, OnPing)
        requests.bind(Pong, OnPong)

        assert (list(requests), len(requests), requests[Pong]) == ([Ping, Pong], 2, OnPong)
        assert dict(requests.registry) == {Ping: OnPing, Pong: OnPong}

    def test_a_bind_after_bootstrap_names_the_fix(self) -> None:
        kept: list[cqrs.RequestMap] = []

        def mapper(requests: cqrs.RequestMap) -> None:
            requests.bind(Ping, OnPing)
            kept.append(requests)

        bootstrap.bootstrap(commands_mapper=mapper)

        with pytest.raises(cqrs.BindingError, match="bind everything inside the mapper"):
            kept[0].bind(Pong, OnPong)

    def test_an_instance_as_request_type_is_refused(self) -> None:
        with pytest.raises(cqrs.BindingError, match="needs a request class"):
            cqrs.RequestMap().bind(NOT_A_CLASS, OnPing)

    def test_a_second_bind_names_the_first_chain(self) -> None:
        class First(cqrs.CORRequestHandler[Ping, None]):
            async def handle(self, request: Ping) -> None:
                return await self.next(request)

        requests = cqrs.RequestMap()
        requests.bind(Ping, [First])

        with pytest.raises(cqrs.BindingError, match=r"already bound to \[.*First\]"):
            requests.bind(Ping, OnPing)


class TestEventMap:
    def test_reads_like_a_mapping(self) -> None:
        events = cqrs.EventMap()
        events.bind(Pinged, OnPinged)
        events.bind(Pinged, AlsoOnPinged)

        assert (list(events), len(events), events[Pinged]) == (
            [Pinged],
            1,
            (OnPinged, AlsoOnPinged),
        )

    def test_a_bind_after_bootstrap_names_the_fix(self) -> None:
        kept: list[cqrs.EventMap] = []

        def mapper(events: cqrs.EventMap) -> None:
            events.bind(Pinged, OnPinged)
            kept.append(events)

        bootstrap.bootstrap(domain_events_mapper=mapper)

        with pytest.raises(cqrs.BindingError, match="bind everything inside the mapper"):
            kept[0].bind(Pinged, AlsoOnPinged)

    def test_an_instance_as_event_type_is_refused(self) -> None:
        with pytest.raises(cqrs.BindingError, match="needs an event class"):
            cqrs.EventMap().bind(NOT_AN_EVENT_CLASS, OnPinged)
