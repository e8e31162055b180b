"""Consumer throughput, Kafka → handler: `KafkaEventConsumer` + `EventMediator` against a bare loop.

Both sides read the same `--events` JSON records (published by `KafkaMessageBroker`,
4 partitions) in a consumer group of their own, in the same run:

- floor: a bare aiokafka loop: `getmany`, `json.loads`, await a trivial handler
  coroutine, commit after each batch;
- ours: `KafkaEventConsumer` (headers read, event type looked up, `from_dict`
  validation, `EventMediator` dispatch, commit after each batch).

Timing starts at the first handled record, so the group join is not counted.

    uv run python bench/kafka_consumer.py [--events 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer
from kafka_common import IDEMPOTENT, create_topic, kafka_bootstrap, report

import cqrs
from cqrs.events import bootstrap as event_bootstrap
from cqrs.events.processor import notification_message
from cqrs.kafka import KafkaEventConsumer, KafkaMessageBroker, KafkaProducer

PARTITIONS = 4


class Payload(cqrs.Response):
    order_id: str
    amount: float


class OrderPlaced(cqrs.NotificationEvent[Payload]):
    event_name: str = "OrderPlaced"


class Clock:
    """When the first and the latest records were handled, and how many."""

    def __init__(self) -> None:
        self.first = 0.0
        self.last = 0.0
        self.count = 0

    def tick(self) -> None:
        self.last = time.perf_counter()
        if not self.count:
            self.first = self.last
        self.count += 1

    def rate(self) -> float:
        return (self.count - 1) / (self.last - self.first)


CLOCK = Clock()


class CountOrder(cqrs.EventHandler[OrderPlaced]):
    async def handle(self, event: OrderPlaced) -> None:
        CLOCK.tick()


async def publish(bootstrap: str, topic: str, events: int) -> None:
    producer = KafkaProducer(bootstrap, enable_idempotence=IDEMPOTENT)
    async with KafkaMessageBroker(producer) as broker:
        messages = [
            notification_message(
                OrderPlaced(topic=topic, payload=Payload(order_id=f"o-{n}", amount=n))
            )
            for n in range(events)
        ]
        await asyncio.gather(*(broker.send_message(message) for message in messages))


async def floor(bootstrap: str, topic: str, events: int) -> float:
    clock = Clock()

    async def handle(data: dict[str, Any]) -> None:
        clock.tick()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-floor-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        while clock.count < events:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batches.values():
                for record in records:
                    await handle(json.loads(record.value))
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()
    return clock.rate()


async def ours(bootstrap: str, topic: str, events: int) -> float:
    mediator = event_bootstrap.bootstrap(events_mapper=lambda m: m.bind(OrderPlaced, CountOrder))
    consumer = KafkaEventConsumer(
        bootstrap,
        [topic],
        f"bench-ours-{uuid.uuid4().hex[:8]}",
        mediator,
        event_types=[OrderPlaced],
        producer_options={"enable_idempotence": IDEMPOTENT},
    )
    await consumer.start()
    try:
        while CLOCK.count < events:
            await consumer.poll_once()
    finally:
        await consumer.stop()
    return CLOCK.rate()


async def main(events: int) -> None:
    with kafka_bootstrap() as servers:
        topic = f"bench-consume-{uuid.uuid4().hex[:8]}"
        await create_topic(servers, topic, PARTITIONS)
        await publish(servers, topic, events)
        floor_rate = await floor(servers, topic, events)
        ours_rate = await ours(servers, topic, events)
    report("consume Kafka → handler", ours_rate, floor_rate)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().events))
