"""A notification event published to Kafka as protobuf and consumed back into an event.

Run against a Kafka broker (default localhost:9092):

    CQRS_KAFKA_BOOTSTRAP=localhost:9092 uv run python examples/kafka_protobuf.py

The protobuf messages come from `kafka_user_joined.proto`; the generated
`kafka_user_joined_pb2.py` (and `.pyi`) are checked in; the `.proto` file says
how to regenerate them. The event class converts itself with `proto()` and
`from_proto()`; a `Codec` tells the broker and the consumer which protobuf class
belongs to which event, and the `content-type` header tells the consumer that
the record is protobuf.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import uuid

import kafka_user_joined_pb2 as pb

import cqrs
from cqrs.events import bootstrap
from cqrs.events.processor import notification_message
from cqrs.kafka import Codec, KafkaEventConsumer, KafkaMessageBroker, KafkaProducer

TOPIC = os.environ.get("CQRS_EXAMPLE_TOPIC", "user_notification_events")
BOOTSTRAP = os.environ.get("CQRS_KAFKA_BOOTSTRAP", "localhost:9092")
# Brokers without producer ids (the tansu test broker) need idempotence off.
IDEMPOTENT = os.environ.get("CQRS_KAFKA_IDEMPOTENCE", "true") == "true"


class UserJoinedPayload(cqrs.Response):
    user_id: str
    meeting_id: str


class UserJoined(cqrs.NotificationEvent[UserJoinedPayload]):
    """A notification event that travels as protobuf."""

    event_name: str = "UserJoined"
    topic: str = TOPIC

    def proto(self) -> pb.UserJoinedNotification:
        return pb.UserJoinedNotification(
            event_id=str(self.event_id),
            event_timestamp=self.event_timestamp.isoformat(),
            event_name=self.event_name,
            payload=pb.UserJoinedPayload(
                user_id=self.payload.user_id, meeting_id=self.payload.meeting_id
            ),
        )

    @classmethod
    def from_proto(cls, proto: pb.UserJoinedNotification) -> UserJoined:
        return cls(
            event_id=uuid.UUID(proto.event_id),
            event_timestamp=datetime.datetime.fromisoformat(proto.event_timestamp),
            event_name=proto.event_name,
            payload=UserJoinedPayload(
                user_id=proto.payload.user_id, meeting_id=proto.payload.meeting_id
            ),
        )


#: Which protobuf class carries which event: shared by the broker and the consumer.
CODEC = Codec(protobuf={UserJoined: pb.UserJoinedNotification})

received: asyncio.Queue[UserJoined] = asyncio.Queue()


class GreetUser(cqrs.EventHandler[UserJoined]):
    async def handle(self, event: UserJoined) -> None:
        await received.put(event)


async def main() -> None:
    producer = KafkaProducer(BOOTSTRAP, enable_idempotence=IDEMPOTENT)
    async with KafkaMessageBroker(producer, codec=CODEC) as broker:
        sent = UserJoined(payload=UserJoinedPayload(user_id="u-1", meeting_id="m-7"))
        await broker.send_message(notification_message(sent))
    size = len(sent.proto().SerializeToString())
    print(f"published  -> {TOPIC}: UserJoined as protobuf ({size} bytes)")

    mediator = bootstrap.bootstrap(events_mapper=lambda m: m.bind(UserJoined, GreetUser))
    consumer = KafkaEventConsumer(
        BOOTSTRAP,
        [TOPIC],
        f"example-{uuid.uuid4().hex[:8]}",
        mediator,
        event_types=[UserJoined],
        codec=CODEC,
        producer_options={"enable_idempotence": IDEMPOTENT},
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    event = await asyncio.wait_for(received.get(), timeout=60)
    stop.set()
    await task
    same = event.event_id == sent.event_id and event.payload == sent.payload
    who = f"{event.payload.user_id} joined {event.payload.meeting_id}"
    print(f"consumed   -> {who} (same event: {same})")


if __name__ == "__main__":
    asyncio.run(main())
