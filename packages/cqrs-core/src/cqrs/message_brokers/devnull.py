"""`DevnullMessageBroker`: publishes nothing, deliberately.

`MESSAGE_BUS` keeps the last `MESSAGE_BUS_SIZE` messages that any devnull broker of the
process received, newest last, so that tests written for python-cqrs can still count
them (`len(devnull.MESSAGE_BUS)`, after `devnull.MESSAGE_BUS.clear()`). It is bounded so
that an application that drops its notifications on purpose does not grow without end,
and it is shared by every instance: tests that run in parallel in one process see each
other's messages. For per-test assertions prefer
`cqrs.message_brokers.memory.InMemoryMessageBroker`, which keeps messages per instance.
"""

from __future__ import annotations

import collections

from cqrs.message_brokers.protocol import Message

__all__ = ["MESSAGE_BUS", "MESSAGE_BUS_SIZE", "DevnullMessageBroker"]

#: How many of the latest dropped messages `MESSAGE_BUS` keeps.
MESSAGE_BUS_SIZE = 1000

#: The latest messages dropped by devnull brokers, oldest first (bounded, process-wide).
MESSAGE_BUS: collections.deque[Message] = collections.deque(maxlen=MESSAGE_BUS_SIZE)


class DevnullMessageBroker:
    """A broker that publishes nothing (for apps without notifications).

    Each message is only remembered in the bounded `MESSAGE_BUS`, for tests.
    """

    async def send_message(self, message: Message) -> None:
        """Drop the message, remembering it in `MESSAGE_BUS`."""
        MESSAGE_BUS.append(message)
