"""`cqrs.message_brokers.devnull.MESSAGE_BUS`: what the devnull broker dropped (issue 9.8)."""

from __future__ import annotations

import uuid

import pytest

import cqrs
from cqrs.message_brokers import devnull
from cqrs.message_brokers.protocol import Message
from cqrs.requests import bootstrap


class Notify(cqrs.Request):
    topic: str
    count: int


class NotifyHandler(cqrs.RequestHandler[Notify, None]):
    def __init__(self) -> None:
        self._events: list[cqrs.NotificationEvent[dict[str, int]]] = []

    @property
    def events(self) -> list[cqrs.NotificationEvent[dict[str, int]]]:
        return self._events

    async def handle(self, request: Notify) -> None:
        for n in range(request.count):
            self._events.append(
                cqrs.NotificationEvent[dict[str, int]](
                    event_name="Notified", topic=request.topic, payload={"n": n}
                )
            )


def _message(topic: str) -> Message:
    return Message(message_name="m", message_id=uuid.uuid4(), topic=topic, payload={})


def _on(topic: str) -> list[Message]:
    # The bus is process-wide: count only this test's (unique) topic.
    return [message for message in devnull.MESSAGE_BUS if message.topic == topic]


class TestMessageBus:
    @pytest.mark.anyio
    async def test_counts_the_notifications_a_mediator_dropped(self) -> None:
        topic = f"devnull-{uuid.uuid4()}"
        mediator = bootstrap.bootstrap(
            commands_mapper=lambda m: m.bind(Notify, NotifyHandler),
            message_broker=devnull.DevnullMessageBroker(),
        )
        await mediator.send(Notify(topic=topic, count=3))
        assert [message.payload["payload"] for message in _on(topic)] == [
            {"n": 0},
            {"n": 1},
            {"n": 2},
        ]

    @pytest.mark.anyio
    async def test_keeps_only_the_latest_messages(self) -> None:
        topic = f"devnull-{uuid.uuid4()}"
        broker = devnull.DevnullMessageBroker()
        sent = [_message(topic) for _ in range(devnull.MESSAGE_BUS_SIZE + 5)]
        for message in sent:
            await broker.send_message(message)
        assert len(devnull.MESSAGE_BUS) == devnull.MESSAGE_BUS_SIZE
        assert list(devnull.MESSAGE_BUS) == sent[5:]

    @pytest.mark.anyio
    async def test_clear_empties_it(self) -> None:
        await devnull.DevnullMessageBroker().send_message(_message("devnull-clear"))
        devnull.MESSAGE_BUS.clear()
        assert len(devnull.MESSAGE_BUS) == 0
