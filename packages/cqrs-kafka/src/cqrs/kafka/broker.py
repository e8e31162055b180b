"""`KafkaMessageBroker`: the core `MessageBroker` on a Kafka producer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

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
        topic, value, key, headers = self._record(message)
        try:
            # One enqueuer at a time: concurrent senders then enter the producer's
            # batches in call order, and only one waits when a batch is full (without
            # the lock, every waiter wakes and retries at each drain). Acknowledgements
            # are awaited outside the lock, so sends still share batches.
            async with self._enqueue:
                delivery = await self.producer.aiokafka.send(topic, value, key=key, headers=headers)
            await delivery
        except (AIOKafkaError, asyncio.TimeoutError) as exc:
            raise _publish_error(message, exc) from exc

    async def send_messages(self, messages: Sequence[Message]) -> list[Exception | None]:
        """Publish `messages` in order; one outcome per message: None, or why it failed.

        Every message enters the producer's batches first (in order, under the
        enqueue lock), then the acknowledgements are awaited together, so a batch
        costs about one round trip per partition instead of one per message. A
        message that cannot be encoded or that Kafka did not acknowledge gets its
        exception (`KafkaPublishError` for Kafka's refusals) and the others go on.
        The outbox relay uses this for each claimed batch.
        """
        if not self.producer.started:
            await self.producer.start()
        send = self.producer.aiokafka.send
        pending: list[Any] = []
        async with self._enqueue:
            for message in messages:
                try:
                    topic, value, key, headers = self._record(message)
                    pending.append(await send(topic, value, key=key, headers=headers))
                except (AIOKafkaError, asyncio.TimeoutError) as exc:
                    pending.append(_chained(_publish_error(message, exc), exc))
                except Exception as exc:  # the codec's: this message only
                    pending.append(exc)
        outcomes: list[Exception | None] = []
        for message, delivery in zip(messages, pending):
            if isinstance(delivery, Exception):
                outcomes.append(delivery)
                continue
            try:
                await delivery
            except (AIOKafkaError, asyncio.TimeoutError) as exc:
                outcomes.append(_chained(_publish_error(message, exc), exc))
            else:
                outcomes.append(None)
        return outcomes

    def _record(self, message: Message) -> tuple[str, bytes, bytes | None, list[tuple[str, bytes]]]:
        """aiokafka's `send` arguments for `message`: topic, value, key, headers."""
        value, content_type = self.codec.encode(message)
        headers = [
            (MESSAGE_NAME_HEADER, message.message_name.encode()),
            (MESSAGE_ID_HEADER, str(message.message_id).encode()),
            (CONTENT_TYPE_HEADER, content_type.encode()),
        ]
        if message.headers:
            headers.extend((name, text.encode()) for name, text in message.headers.items())
        key = message.key.encode() if message.key is not None else None
        return message.topic, value, key, headers

    def __repr__(self) -> str:
        return f"KafkaMessageBroker({self.producer!r})"


def _publish_error(message: Message, exc: BaseException) -> KafkaPublishError:
    return KafkaPublishError(
        f"Kafka did not acknowledge message {message.message_id} "
        f"({message.message_name}) to topic {message.topic!r}: "
        f"{type(exc).__name__}: {exc}. It may not be published: send it again "
        "(the outbox relay does) once the cluster is reachable",
        topic=message.topic,
        message_id=str(message.message_id),
    )


def _chained(error: KafkaPublishError, cause: BaseException) -> KafkaPublishError:
    """`error` with `cause` as its `__cause__`, as `raise error from cause` would set."""
    error.__cause__ = cause
    return error
