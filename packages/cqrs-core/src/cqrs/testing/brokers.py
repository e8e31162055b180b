"""Message broker test doubles for relay and publishing tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable

from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.message_brokers.protocol import Message

__all__ = ["FlakyMessageBroker"]


def _refuse(message: Message) -> Exception:
    return ConnectionError(
        f"FlakyMessageBroker refused {message.message_name} {message.message_id} "
        f"on topic {message.topic!r}"
    )


class FlakyMessageBroker:
    """A broker that fails chosen sends and delivers the others to `delivered`.

    A send fails while `fail_first` is positive (each failure decrements it),
    when its topic is in `fail_topics`, or when its message id is in
    `fail_events`; the exception comes from `error(message)` (a
    `ConnectionError` by default). Every send first awaits `asyncio.sleep(delay)`
    — even with `delay=0` it yields, as a network call would, so concurrent
    relays interleave. `attempts` records every send, `failures` the failed ones.
    """

    def __init__(
        self,
        *,
        fail_first: int = 0,
        fail_topics: Iterable[str] = (),
        fail_events: Iterable[uuid.UUID] = (),
        delay: float = 0.0,
        error: Callable[[Message], Exception] = _refuse,
    ) -> None:
        self.fail_first: int = fail_first
        self.fail_topics: set[str] = set(fail_topics)
        self.fail_events: set[uuid.UUID] = set(fail_events)
        self.delay = delay
        self.error = error
        self.delivered: InMemoryMessageBroker = InMemoryMessageBroker()
        self.attempts: list[Message] = []
        self.failures: list[Message] = []

    @property
    def messages(self) -> list[Message]:
        """The messages delivered (not failed), in order."""
        return self.delivered.messages

    def heal(self) -> None:
        """Stop failing: every later send is delivered."""
        self.fail_first = 0
        self.fail_topics.clear()
        self.fail_events.clear()

    async def send_message(self, message: Message) -> None:
        """Deliver `message`, or raise if it is chosen to fail."""
        await asyncio.sleep(self.delay)
        self.attempts.append(message)
        if self._should_fail(message):
            self.failures.append(message)
            raise self.error(message)
        await self.delivered.send_message(message)

    def _should_fail(self, message: Message) -> bool:
        if self.fail_first > 0:
            self.fail_first -= 1
            return True
        return message.topic in self.fail_topics or message.message_id in self.fail_events
