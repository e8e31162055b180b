"""Middlewares wrap request handling for `send` and `stream` alike."""

from cqrs.middlewares.base import (
    HandleType,
    Middleware,
    MiddlewareChain,
    StreamHandleType,
    StreamingMiddleware,
)
from cqrs.middlewares.logging import LoggingMiddleware

__all__ = [
    "HandleType",
    "LoggingMiddleware",
    "Middleware",
    "MiddlewareChain",
    "StreamHandleType",
    "StreamingMiddleware",
]
