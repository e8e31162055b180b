"""The message broker protocol and the message it carries."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Protocol, runtime_checkable

__all__ = ["Message", "MessageBroker"]


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


@runtime_checkable
class MessageBroker(Protocol):
    """Publishes messages; raising means the message was not published."""

    async def send_message(self, message: Message) -> None:
        """Publish one message to `message.topic`."""
        ...
