"""Event handlers."""

from __future__ import annotations

import abc
from typing import Generic, TypeVar

from cqrs.requests.request_handler import _EventSource

__all__ = ["EventHandler"]

EventT = TypeVar("EventT", contravariant=True)


class EventHandler(_EventSource, abc.ABC, Generic[EventT]):
    """Handles one event type; may collect follow-up events in `events`.

    Follow-up events are processed after `handle` returns, like a command's events.
    """

    @abc.abstractmethod
    async def handle(self, event: EventT) -> None:
        """React to the event."""
