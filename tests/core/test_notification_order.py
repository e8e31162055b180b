"""A notification event reaches the broker before its local handlers run (events/processor.py)."""

from __future__ import annotations

import pytest

import cqrs
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.requests import bootstrap


class Announce(cqrs.Request):
    text: str


class Announced(cqrs.NotificationEvent[str]):
    pass


BROKER = InMemoryMessageBroker()
SEEN: list[int] = []


class AnnounceHandler(cqrs.RequestHandler[Announce]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Announce) -> None:
        self._events.append(Announced(event_name="Announced", topic="news", payload=request.text))


class OnAnnounced(cqrs.EventHandler[Announced]):
    async def handle(self, event: Announced) -> None:
        SEEN.append(len(BROKER.topic("news")))


@pytest.mark.anyio
async def test_notification_is_published_before_its_local_handler_runs() -> None:
    BROKER.clear()
    SEEN.clear()
    mediator = bootstrap.bootstrap(
        message_broker=BROKER,
        commands_mapper=lambda m: m.bind(Announce, AnnounceHandler),
        domain_events_mapper=lambda m: m.bind(Announced, OnAnnounced),
    )

    await mediator.send(Announce(text="hi"))

    assert SEEN == [1]
