"""Handler bases: what `cqrs.requests` and `cqrs.events` share, below both of them.

Every handler kind (plain, streaming, chain link, event) lives here so that the
request and event packages, the introspection of handler classes and the
dispatchers import this leaf instead of each other: the import graph stays
acyclic without lazy re-exports. The public import paths are
`cqrs.requests.request_handler`, `cqrs.requests.cor_request_handler` and
`cqrs.events.event_handler`, which re-export these classes.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any, Generic

from cqrs._typing import TypeVar

__all__ = [
    "CORRequestHandler",
    "EventHandler",
    "RequestHandler",
    "StreamingRequestHandler",
    "build_chain",
    "clear_handler_events",
]

ReqT = TypeVar("ReqT", contravariant=True)
#: The response of a plain handler or a chain link. It defaults to `None`, so a
#: command handler may be written `RequestHandler[Command]` (as in python-cqrs 5).
ResT = TypeVar("ResT", covariant=True, default=None)
#: The item type of a streaming handler: always given.
ItemT = TypeVar("ItemT", covariant=True)
EventT = TypeVar("EventT", contravariant=True)
ChainReqT = TypeVar("ChainReqT")
ChainResT = TypeVar("ChainResT", default=None)


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


class _ResponseMayBeOmitted:
    """Lets `Handler[Request]` stand for `Handler[Request, None]` at run time.

    Type checkers read the `None` default of the response TypeVar (PEP 696);
    the interpreter honours TypeVar defaults only from Python 3.13, so before
    that the missing argument is supplied here. Generic subclasses whose last
    parameter is not a defaulted response TypeVar are left untouched.
    """

    def __class_getitem__(cls, params: Any) -> Any:
        given = params if isinstance(params, tuple) else (params,)
        expected: tuple[Any, ...] = getattr(cls, "__parameters__", ())
        if len(given) + 1 == len(expected) and expected[-1] in (ResT, ChainResT):
            params = (*given, None)
        generic: Any = super()
        return generic.__class_getitem__(params)


class RequestHandler(_EventSource, _ResponseMayBeOmitted, abc.ABC, Generic[ReqT, ResT]):
    """Handles one request type for `RequestMediator.send` and returns its response.

    Subclass as `RequestHandler[MyQuery, MyResult]`, or `RequestHandler[MyCommand]`
    (same as `RequestHandler[MyCommand, None]`). Append events to a list and
    expose it through the `events` property to have them processed after
    `handle` returns.
    """

    @abc.abstractmethod
    async def handle(self, request: ReqT) -> ResT:
        """Handle the request and return the response."""


class StreamingRequestHandler(_EventSource, abc.ABC, Generic[ReqT, ItemT]):
    """Handles one request type for `StreamingRequestMediator.stream`.

    `handle` is an async generator; the events collected up to each `yield` are
    processed before the yielded item reaches the consumer.
    """

    @abc.abstractmethod
    def handle(self, request: ReqT) -> AsyncIterator[ItemT]:
        """Yield responses as they become available."""


class CORRequestHandler(
    _EventSource, _ResponseMayBeOmitted, abc.ABC, Generic[ChainReqT, ChainResT]
):
    """A link of a chain bound with `RequestMap.bind(Request, [HandlerA, HandlerB, ...])`.

    `handle` either returns a response or `return await self.next(request)`;
    past the last link `next` returns `None`. The events of every link that ran
    are processed, not only the head's.
    """

    _next_handler: CORRequestHandler[ChainReqT, ChainResT] | None = None

    def set_next(self, handler: CORRequestHandler[ChainReqT, ChainResT] | None) -> None:
        """Link this handler to the one that receives what it passes on."""
        self._next_handler = handler

    def next(self, request: ChainReqT) -> Awaitable[ChainResT | None]:
        """Pass the request to the next link (`await self.next(request)`); None past the end."""
        following = self._next_handler
        if following is None:
            return _end_of_chain()
        # The next link's coroutine itself: no extra frame per hop.
        return following.handle(request)

    @abc.abstractmethod
    async def handle(self, request: ChainReqT) -> ChainResT | None:
        """Answer the request, or return `await self.next(request)`."""


async def _end_of_chain() -> None:
    return None


def build_chain(
    handlers: Sequence[CORRequestHandler[ChainReqT, ChainResT]],
) -> CORRequestHandler[ChainReqT, ChainResT]:
    """Link handler instances in order and return the head of the chain."""
    if not handlers:
        raise ValueError("build_chain() needs at least one handler")
    for current, following in zip(handlers, handlers[1:]):
        current.set_next(following)
    handlers[-1].set_next(None)
    return handlers[0]


class EventHandler(_EventSource, abc.ABC, Generic[EventT]):
    """Handles one event type; may collect follow-up events in `events`.

    Follow-up events are processed after `handle` returns, like a command's events.
    """

    @abc.abstractmethod
    async def handle(self, event: EventT) -> None:
        """React to the event."""
