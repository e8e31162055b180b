"""Consuming cqrs events with FastStream, decoded by cqrs's `JsonDeserializer` (as in the seeds).

    CQRS_KAFKA_BOOTSTRAP=localhost:9092 uv run python examples/kafka_faststream.py

The event is published by `KafkaMessageBroker`; FastStream's Kafka subscriber
turns each record value into a `NotificationEvent[HelloWorldPayload]` with
`value_deserializer=JsonDeserializer(..., raise_on_error=False)` (a bad record
becomes a `DeserializeJsonError` value instead of crashing the subscriber), and the
handler hands the event to an `EventMediator`, acknowledging it afterwards.
In an application, run `app` with the `faststream run` command instead of `main()`.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import faststream
from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaBroker, KafkaMessage

import cqrs
from cqrs.deserializers import DeserializeJsonError, JsonDeserializer
from cqrs.events import bootstrap
from cqrs.events.processor import notification_message
from cqrs.kafka import KafkaMessageBroker, KafkaProducer

BOOTSTRAP = os.environ.get("CQRS_KAFKA_BOOTSTRAP", "localhost:9092")
TOPIC = os.environ.get("CQRS_EXAMPLE_TOPIC", "hello_world")
# Brokers without producer ids (the tansu test broker) need idempotence off.
IDEMPOTENT = os.environ.get("CQRS_KAFKA_IDEMPOTENCE", "true") == "true"

broker = KafkaBroker(BOOTSTRAP)
app = FastStream(broker)
handled = asyncio.Event()


class HelloWorldPayload(cqrs.Response):
    hello: str = "Hello"
    world: str = "World"


HelloWorld = cqrs.NotificationEvent[HelloWorldPayload]


class HelloWorldECSTEventHandler(cqrs.EventHandler[HelloWorld]):
    async def handle(self, event: HelloWorld) -> None:
        print(f"handled    -> {event.payload.hello} {event.payload.world}")
        handled.set()


def mediator_factory() -> cqrs.EventMediator:
    return bootstrap.bootstrap(
        events_mapper=lambda m: m.bind(HelloWorld, HelloWorldECSTEventHandler),
    )


async def decoder(msg: KafkaMessage, original: Any) -> Any:
    """The value deserializer already built the event (or the error): pass it on as it is."""
    record: Any = msg.raw_message  # one aiokafka ConsumerRecord (not a batch subscriber)
    return record.value


@broker.subscriber(
    TOPIC,
    group_id=f"examples-{uuid.uuid4().hex[:8]}",
    auto_offset_reset="earliest",
    ack_policy=AckPolicy.MANUAL,
    value_deserializer=JsonDeserializer(HelloWorld, raise_on_error=False),
    decoder=decoder,
)
async def hello_world_event_handler(
    body: Any,  # NotificationEvent[HelloWorldPayload] | DeserializeJsonError, checked below
    msg: KafkaMessage,
    mediator: cqrs.EventMediator = faststream.Depends(mediator_factory),  # noqa: B008
) -> None:
    if isinstance(body, DeserializeJsonError):
        print(f"skipped    -> {body}")
    else:
        await mediator.send(body)
    await msg.ack()


async def main() -> None:
    producer = KafkaProducer(BOOTSTRAP, enable_idempotence=IDEMPOTENT)
    async with KafkaMessageBroker(producer) as ours:
        event = HelloWorld(event_name="HelloWorld", topic=TOPIC, payload=HelloWorldPayload())
        await ours.send_message(notification_message(event))
    print(f"published  -> {TOPIC}: HelloWorld")
    await broker.start()
    try:
        await asyncio.wait_for(handled.wait(), timeout=60)
    finally:
        await broker.stop()


if __name__ == "__main__":
    asyncio.run(main())
