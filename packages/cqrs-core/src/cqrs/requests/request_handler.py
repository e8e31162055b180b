"""Request handlers: plain (`send`) and streaming (`stream`)."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["RequestHandler", "StreamingRequestHandler", "clear_handler_events"]

ReqT = TypeVar("ReqT", contravariant=True)
ResT = TypeVar("ResT", covariant=True)


def clear_handler_events(handler: object) -> None:
    """Forget the events a handler has collected so far.

    The default for handlers that keep their events in a `self._events` list,
    as the documented examples do; handlers that keep them elsewhere override
    `clear_events()`.
    """
    collected = getattr(handler, "_events", None)
    if isinstance(collected, list):
        collected.clear()


class _EventSource:
    """Default `events` / `clear_events` for every handler kind."""

    @property
    def events(self) -> Sequence[Any]:
        """Events collected while handling; mediators take them after each dispatch."""
        return ()

    def clear_events(self) -> None:
        """Called by the mediator once it has taken `events`, so nothing is emitted twice."""
        clear_handler_events(self)


class RequestHandler(_EventSource, abc.ABC, Generic[ReqT, ResT]):
    """Handles one request type for `RequestMediator.send` and returns its response.

    Subclass as `RequestHandler[MyCommand, None]` or `RequestHandler[MyQuery, MyResult]`.
    Append events to a list and expose it through the `events` property to have
    them processed after `handle` returns.
    """

    @abc.abstractmethod
    async def handle(self, request: ReqT) -> ResT:
        """Handle the request and return the response."""


class StreamingRequestHandler(_EventSource, abc.ABC, Generic[ReqT, ResT]):
    """Handles one request type for `StreamingRequestMediator.stream`.

    `handle` is an async generator; the events collected up to each `yield` are
    processed before the yielded item reaches the consumer.
    """

    @abc.abstractmethod
    def handle(self, request: ReqT) -> AsyncIterator[ResT]:
        """Yield responses as they become available."""
