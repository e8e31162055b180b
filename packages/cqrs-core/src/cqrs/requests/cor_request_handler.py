"""Chain of responsibility: handlers that either answer or pass the request on."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Sequence
from typing import Generic, TypeVar

from cqrs.requests.request_handler import _EventSource

__all__ = ["CORRequestHandler", "build_chain"]

ReqT = TypeVar("ReqT")
ResT = TypeVar("ResT")


class CORRequestHandler(_EventSource, abc.ABC, Generic[ReqT, ResT]):
    """A link of a chain bound with `RequestMap.bind(Request, [HandlerA, HandlerB, ...])`.

    `handle` either returns a response or `return await self.next(request)`;
    past the last link `next` returns `None`. The events of every link that ran
    are processed, not only the head's.
    """

    _next_handler: CORRequestHandler[ReqT, ResT] | None = None

    def set_next(self, handler: CORRequestHandler[ReqT, ResT] | None) -> None:
        """Link this handler to the one that receives what it passes on."""
        self._next_handler = handler

    def next(self, request: ReqT) -> Awaitable[ResT | None]:
        """Pass the request to the next link (`await self.next(request)`); None past the end."""
        following = self._next_handler
        if following is None:
            return _end_of_chain()
        # The next link's coroutine itself: no extra frame per hop.
        return following.handle(request)

    @abc.abstractmethod
    async def handle(self, request: ReqT) -> ResT | None:
        """Answer the request, or return `await self.next(request)`."""


async def _end_of_chain() -> None:
    return None


def build_chain(
    handlers: Sequence[CORRequestHandler[ReqT, ResT]],
) -> CORRequestHandler[ReqT, ResT]:
    """Link handler instances in order and return the head of the chain."""
    if not handlers:
        raise ValueError("build_chain() needs at least one handler")
    for current, following in zip(handlers, handlers[1:]):
        current.set_next(following)
    handlers[-1].set_next(None)
    return handlers[0]
