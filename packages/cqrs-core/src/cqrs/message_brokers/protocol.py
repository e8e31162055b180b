"""The message broker protocol and the message it carries."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

__all__ = ["BatchMessageBroker", "Message", "MessageBroker"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Message:
    """A notification event on its way to a broker.

    `payload` is the event's `to_dict()` (JSON-compatible); `message_id` is the
    event id, so a consumer can deduplicate at-least-once deliveries. `key`, when
    set, is the broker's partitioning key: messages with one key keep their order
    (the event's `message_key()`, e.g. its aggregate id).
    """

    message_name: str
    message_id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    key: str | None = None
    payload_json: ClassVar[bytes | None] = None
    """`payload` already encoded as JSON (UTF-8), or None.

    The outbox relay sets it on the messages it builds to the bytes its store
    holds, so a broker that sends JSON (`cqrs.kafka.KafkaMessageBroker`) sends
    them as they are instead of encoding `payload` again. It is not a field: no
    constructor argument, not compared, not in `dataclasses.fields()`, and a
    message built or `dataclasses.replace`d with a payload of its own has None,
    never bytes of another payload.
    """


@runtime_checkable
class MessageBroker(Protocol):
    """Publishes messages; raising means the message was not published."""

    async def send_message(self, message: Message) -> None:
        """Publish one message to `message.topic`."""
        ...


@runtime_checkable
class BatchMessageBroker(MessageBroker, Protocol):
    """A `MessageBroker` that can also publish many messages at once (optional).

    The outbox relay (`cqrs.EventProducer`) hands a broker that has
    `send_messages` each claimed batch in one call, so the broker can put every
    message on the wire before waiting for the acknowledgements.
    """

    async def send_messages(self, messages: Sequence[Message]) -> list[Exception | None]:
        """Publish `messages` in order; return one outcome per message, in the same order.

        An outcome is None when the message was published, or the exception
        saying why it was not (the relay records it with `mark_failed`). One
        failed message does not stop the others. Raising instead means that no
        message of the batch can be assumed published.
        """
        ...
