"""Middleware protocols and the chain that composes them once, at bootstrap.

A middleware wraps the handling of a request. For `send` it is called as
`await middleware(request, handle)` and returns the response; for `stream` it
is called as `middleware.stream(request, handle)` and returns an async iterator
of responses (it may observe, transform, drop or add items). A middleware
given to `bootstrap_streaming` must implement `stream`, one given to
`bootstrap` must implement `__call__`; otherwise bootstrap fails, naming it.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from cqrs.exceptions import BootstrapError

__all__ = [
    "HandleType",
    "Middleware",
    "MiddlewareChain",
    "StreamHandleType",
    "StreamingMiddleware",
]

#: What a `send` middleware calls to continue: the next middleware or the handler.
HandleType = Callable[[Any], Awaitable[Any]]
#: What a `stream` middleware calls to continue: returns the stream of responses.
StreamHandleType = Callable[[Any], AsyncIterator[Any]]


@runtime_checkable
class Middleware(Protocol):
    """Wraps `RequestMediator.send`: `return await handle(request)` continues the chain."""

    async def __call__(self, request: Any, handle: HandleType) -> Any:
        """Handle the request, normally by awaiting `handle(request)`."""
        ...


@runtime_checkable
class StreamingMiddleware(Protocol):
    """Wraps `StreamingRequestMediator.stream`: iterate `handle(request)` to continue.

    Iterate it inside `contextlib.aclosing(handle(request))`, so that a consumer
    that stops early closes the handler's stream at once (releasing what it holds).
    """

    def stream(self, request: Any, handle: StreamHandleType) -> AsyncIterator[Any]:
        """Yield the responses, normally those of `handle(request)`."""
        ...


class MiddlewareChain:
    """An ordered list of middlewares; the first one given is the outermost."""

    def __init__(self, middlewares: Sequence[Any] = ()) -> None:
        self._middlewares = tuple(middlewares)

    def __bool__(self) -> bool:
        return bool(self._middlewares)

    def check_send(self) -> None:
        """Fail at bootstrap if a middleware cannot wrap `send`."""
        for middleware in self._middlewares:
            if not callable(middleware):
                raise BootstrapError(
                    f"middleware {middleware!r} cannot wrap RequestMediator.send: it has no "
                    "async __call__(request, handle); see cqrs.middlewares.Middleware"
                )

    def check_stream(self) -> None:
        """Fail at bootstrap if a middleware cannot wrap `stream`."""
        for middleware in self._middlewares:
            if not callable(getattr(middleware, "stream", None)):
                raise BootstrapError(
                    f"middleware {middleware!r} cannot wrap StreamingRequestMediator.stream: "
                    "it has no stream(request, handle) method; see "
                    "cqrs.middlewares.StreamingMiddleware"
                )

    def wrap(self, handle: HandleType) -> HandleType:
        """Compose the middlewares around `handle` for `send`."""
        for middleware in reversed(self._middlewares):
            handle = functools.partial(middleware, handle=handle)
        return handle

    def wrap_stream(self, handle: StreamHandleType) -> StreamHandleType:
        """Compose the middlewares around `handle` for `stream`."""
        for middleware in reversed(self._middlewares):
            handle = functools.partial(middleware.stream, handle=handle)
        return handle
