"""`InMemoryMessageBroker`: keeps published messages in memory, per instance."""

from __future__ import annotations

from collections import defaultdict

from cqrs.message_brokers.protocol import Message

__all__ = ["InMemoryMessageBroker"]


class InMemoryMessageBroker:
    """Records messages in publication order; for tests, demos and single-process apps."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._by_topic: defaultdict[str, list[Message]] = defaultdict(list)

    async def send_message(self, message: Message) -> None:
        """Record the message."""
        self.messages.append(message)
        self._by_topic[message.topic].append(message)

    def topic(self, name: str) -> list[Message]:
        """The messages published to one topic, in order."""
        return list(self._by_topic.get(name, ()))

    def clear(self) -> None:
        """Forget every recorded message."""
        self.messages.clear()
        self._by_topic.clear()
