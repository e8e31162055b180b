"""Consuming notification events with FastStream, as in python-cqrs's "Kafka events consuming".

The documented subscriber passes two callables to `broker.subscriber(...)`:

- `value_deserializer=JsonDeserializer(model=...)` turns each record's bytes into the
  event, `None` for a tombstone (an empty record), or a `DeserializeJsonError` for a
  message that is not a valid event, so a poison message never crashes the consumer;
- `decoder=empty_message_decoder` keeps the `None` of a tombstone instead of letting
  FastStream parse an empty body.

FastStream and Kafka are not needed to see it work: `main()` feeds three records (an
event, a tombstone, a broken message) through the same two callables and the same
subscriber function that FastStream would call. In an application, decorate
`hello_world_event_handler` with::

    @broker.subscriber(
        "hello_world",
        group_id="examples",
        auto_commit=False,
        value_deserializer=value_deserializer,
        decoder=empty_message_decoder,
    )
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pydantic

import cqrs
from cqrs.deserializers import DeserializeJsonError, JsonDeserializer
from cqrs.events import bootstrap
from cqrs.serializers import serialize_event


class HelloWorldPayload(pydantic.BaseModel):
    hello: str = pydantic.Field(default="Hello")
    world: str = pydantic.Field(default="World")


HelloWorldEvent = cqrs.NotificationEvent[HelloWorldPayload]


class HelloWorldECSTEventHandler(cqrs.EventHandler[HelloWorldEvent]):
    async def handle(self, event: HelloWorldEvent) -> None:
        print(f"handled    -> {event.payload.hello} {event.payload.world}")


def events_mapper(mapper: cqrs.EventMap) -> None:
    mapper.bind(HelloWorldEvent, HelloWorldECSTEventHandler)


def mediator_factory() -> cqrs.EventMediator:
    return bootstrap.bootstrap(events_mapper=events_mapper)


value_deserializer = JsonDeserializer(model=HelloWorldEvent)


@dataclasses.dataclass
class KafkaMessage:
    """The part of FastStream's `KafkaMessage` the subscriber uses."""

    body: Any
    acked: bool = False

    async def ack(self) -> None:
        self.acked = True


async def empty_message_decoder(
    msg: KafkaMessage, original_decoder: Callable[[KafkaMessage], Awaitable[Any]]
) -> Any:
    """FastStream decoder: a tombstone stays `None`, anything else goes the usual way."""
    if msg.body is None:
        return None
    return await original_decoder(msg)


async def hello_world_event_handler(
    body: HelloWorldEvent | DeserializeJsonError | None,
    msg: KafkaMessage,
    mediator: cqrs.EventMediator,
) -> None:
    if isinstance(body, DeserializeJsonError):
        # A poison message: log it (or forward `body.message_data` to a dead-letter topic).
        print(f"skipped    -> {body.error_type.__name__}")
    elif body is not None:
        await mediator.send(body)
    await msg.ack()


async def main() -> None:
    mediator = mediator_factory()
    records = [
        HelloWorldEvent(event_name="HelloWorld", topic="hello_world", payload=HelloWorldPayload()),
        None,
        b'{"event_name": "HelloWorld", "topic": "hello_world", "payload": {"hello": 1}}',
    ]
    for record in records:
        raw = serialize_event(record) if isinstance(record, cqrs.Event) else record
        message = KafkaMessage(body=value_deserializer(raw))

        async def original_decoder(msg: KafkaMessage) -> Any:
            return msg.body

        body = await empty_message_decoder(message, original_decoder)
        await hello_world_event_handler(body, message, mediator)
        print(f"acked      -> {message.acked}")


if __name__ == "__main__":
    asyncio.run(main())
