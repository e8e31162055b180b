"""`DevnullMessageBroker`: drops every message, deliberately."""

from __future__ import annotations

from cqrs.message_brokers.protocol import Message

__all__ = ["DevnullMessageBroker"]


class DevnullMessageBroker:
    """A broker that publishes nothing and keeps nothing (for apps without notifications)."""

    async def send_message(self, message: Message) -> None:
        """Drop the message."""
