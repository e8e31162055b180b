"""A notification event can name its broker key; events that don't keep their wire format."""

from __future__ import annotations

from datetime import timedelta

import pytest

import cqrs
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.outbox import MemoryOutboxedEventRepository
from cqrs.requests import bootstrap

pytestmark = pytest.mark.anyio


class OrderPaid(cqrs.Response):
    order_id: str


class KeyedPaid(cqrs.NotificationEvent[OrderPaid]):
    def message_key(self) -> str | None:
        return self.payload.order_id


class Pay(cqrs.Request[None]):
    order_id: str


class PayHandler(cqrs.RequestHandler[Pay, None]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: Pay) -> None:
        payload = OrderPaid(order_id=request.order_id)
        self._events.append(KeyedPaid(event_name="OrderPaid", topic="orders", payload=payload))
        self._events.append(
            cqrs.NotificationEvent[OrderPaid](event_name="Plain", topic="orders", payload=payload)
        )


class TestMessageKey:
    async def test_the_broker_message_carries_the_events_key(self) -> None:
        broker = InMemoryMessageBroker()
        mediator = bootstrap.bootstrap(
            commands_mapper=lambda m: m.bind(Pay, PayHandler), message_broker=broker
        )
        await mediator.send(Pay(order_id="o-7"))
        assert [(m.message_name, m.key) for m in broker.messages] == [
            ("OrderPaid", "o-7"),
            ("Plain", None),
        ]

    async def test_the_outbox_row_and_its_message_keep_the_key(self) -> None:
        repository = MemoryOutboxedEventRepository()
        payload = OrderPaid(order_id="o-8")
        repository.add(KeyedPaid(event_name="OrderPaid", topic="orders", payload=payload))
        await repository.commit()
        (row,) = await repository.claim_batch(10, lease=timedelta(seconds=30))
        assert row.key == "o-8"
        assert row.to_message().key == "o-8"

    def test_the_key_is_not_part_of_the_wire_format(self) -> None:
        event = KeyedPaid(event_name="OrderPaid", topic="orders", payload=OrderPaid(order_id="o"))
        data = event.to_dict()
        assert "key" not in data
        assert "message_key" not in data
        assert KeyedPaid.from_dict(**data) == event
