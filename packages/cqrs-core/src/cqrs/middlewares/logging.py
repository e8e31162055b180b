"""`LoggingMiddleware`: opt-in request/response logging for `send` and `stream`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from cqrs.middlewares.base import HandleType, StreamHandleType

__all__ = ["LoggingMiddleware"]


class LoggingMiddleware:
    """Logs each request and its response(s) at `level` (DEBUG by default).

    Nothing is formatted unless the logger is enabled for `level`.
    """

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.DEBUG) -> None:
        self._logger = logger or logging.getLogger("cqrs")
        self._level = level

    async def __call__(self, request: Any, handle: HandleType) -> Any:
        """Log the request, handle it, log the response."""
        enabled = self._logger.isEnabledFor(self._level)
        if enabled:
            self._logger.log(self._level, "request %s: %r", type(request).__name__, request)
        response = await handle(request)
        if enabled:
            self._logger.log(self._level, "response to %s: %r", type(request).__name__, response)
        return response

    async def stream(self, request: Any, handle: StreamHandleType) -> AsyncIterator[Any]:
        """Log the request, each streamed item, and the end of the stream."""
        enabled = self._logger.isEnabledFor(self._level)
        name = type(request).__name__
        if enabled:
            self._logger.log(self._level, "stream request %s: %r", name, request)
        count = 0
        items = handle(request)
        try:
            async for item in items:
                count += 1
                if enabled:
                    self._logger.log(self._level, "stream item %d of %s: %r", count, name, item)
                yield item
        finally:
            # Close the inner stream now, not at garbage collection: the handler may hold
            # a cursor or a connection.
            close = getattr(items, "aclose", None)
            if close is not None:
                await close()
        if enabled:
            self._logger.log(self._level, "stream of %s ended after %d items", name, count)
