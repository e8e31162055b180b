"""`KafkaMessageBroker`: the core `MessageBroker` on a Kafka producer."""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaError as AIOKafkaError

from cqrs.kafka._service import Service
from cqrs.kafka.exceptions import KafkaPublishError
from cqrs.kafka.producer import KafkaProducer
from cqrs.kafka.serialization import (
    CONTENT_TYPE_HEADER,
    MESSAGE_ID_HEADER,
    MESSAGE_NAME_HEADER,
    Codec,
)
from cqrs.message_brokers.protocol import Message

__all__ = ["KafkaMessageBroker"]

_DEFAULT_CODEC = Codec()


class KafkaMessageBroker(Service):
    """Publishes each `Message` to its topic and returns once Kafka acknowledged it.

    - The record key is `message.key` (the event's `message_key()`): the events
      of one key land on one partition, in order.
    - Headers: `cqrs-message-name`, `cqrs-message-id`, `content-type`, then the
      message's own headers (trace context such as `traceparent` travels there).
    - The value is JSON, or protobuf for the event types the `codec` registers.
    - `start()` / `stop()` (or `async with broker:`) connect and disconnect; a
      send on a broker not started starts it first, as the seeds expect.
    - A send that Kafka did not acknowledge raises `KafkaPublishError` (chained
      to aiokafka's error): the outbox relay then retries the row.
    """

    def __init__(self, producer: KafkaProducer, *, codec: Codec | None = None) -> None:
        if not isinstance(producer, KafkaProducer):
            raise TypeError(
                f"KafkaMessageBroker needs a cqrs.kafka.KafkaProducer, got {producer!r}: "
                "build one with cqrs.adapters.kafka.kafka_producer_factory(dsn=...)"
            )
        self.producer: KafkaProducer = producer
        self.codec: Codec = codec if codec is not None else _DEFAULT_CODEC
        self._enqueue = asyncio.Lock()

    async def start(self) -> None:
        """Connect the producer (`cqrs.kafka.KafkaConnectionError` if Kafka is unreachable)."""
        await self.producer.start()

    async def stop(self) -> None:
        """Flush pending sends and disconnect."""
        await self.producer.stop()

    async def send_message(self, message: Message) -> None:
        """Publish `message`; return when Kafka acknowledged it (per the producer's `acks`)."""
        if not self.producer.started:
            await self.producer.start()
        value, content_type = self.codec.encode(message)
        headers = [
            (MESSAGE_NAME_HEADER, message.message_name.encode()),
            (MESSAGE_ID_HEADER, str(message.message_id).encode()),
            (CONTENT_TYPE_HEADER, content_type.encode()),
            *((name, text.encode()) for name, text in message.headers.items()),
        ]
        key = message.key.encode() if message.key is not None else None
        try:
            # One enqueuer at a time: concurrent senders then enter the producer's
            # batches in call order, and only one waits when a batch is full (without
            # the lock, every waiter wakes and retries at each drain). Acknowledgements
            # are awaited outside the lock, so sends still share batches.
            async with self._enqueue:
                delivery = await self.producer.aiokafka.send(
                    message.topic, value, key=key, headers=headers
                )
            await delivery
        except (AIOKafkaError, asyncio.TimeoutError) as exc:
            raise KafkaPublishError(
                f"Kafka did not acknowledge message {message.message_id} "
                f"({message.message_name}) to topic {message.topic!r}: "
                f"{type(exc).__name__}: {exc}. It may not be published: send it again "
                "(the outbox relay does) once the cluster is reachable",
                topic=message.topic,
                message_id=str(message.message_id),
            ) from exc

    def __repr__(self) -> str:
        return f"KafkaMessageBroker({self.producer!r})"
