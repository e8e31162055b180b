"""Read handler classes: their kind and the request/response types they declare."""

from __future__ import annotations

import enum
import inspect
import types
import typing
from typing import Any

from cqrs._handlers import (
    CORRequestHandler,
    EventHandler,
    RequestHandler,
    StreamingRequestHandler,
)

__all__ = [
    "HandlerKind",
    "declared_event_type",
    "declared_types",
    "handler_kind",
    "type_name",
]

_GENERIC_BASES = (RequestHandler, StreamingRequestHandler, CORRequestHandler)


class HandlerKind(enum.Enum):
    """How a handler answers: one response (`send`) or a stream (`stream`)."""

    PLAIN = "plain"
    STREAMING = "streaming"


def handler_kind(handler_type: type) -> HandlerKind | None:
    """Classify a handler class by its base class, else by its `handle` method."""
    if issubclass(handler_type, StreamingRequestHandler):
        return HandlerKind.STREAMING
    if issubclass(handler_type, (RequestHandler, CORRequestHandler)):
        return HandlerKind.PLAIN
    handle = getattr(handler_type, "handle", None)
    if handle is None:
        return None
    if inspect.isasyncgenfunction(handle):
        return HandlerKind.STREAMING
    if inspect.iscoroutinefunction(handle):
        return HandlerKind.PLAIN
    return None


def declared_types(handler_type: type) -> tuple[Any, Any] | None:
    """The `(request, response)` type arguments a handler class declares, if any.

    Walks `__orig_bases__` up the MRO, so `class H(RequestHandler[Q, R])` and
    subclasses of it both answer `(Q, R)`. TypeVars are returned as they are.
    """
    args = _generic_args(handler_type, _GENERIC_BASES, 2)
    return None if args is None else (args[0], args[1])


def declared_event_type(handler_type: type) -> Any:
    """The event type an `EventHandler[E]` subclass declares, or None."""
    args = _generic_args(handler_type, (EventHandler,), 1)
    return None if args is None else args[0]


def _generic_args(
    handler_type: type, bases: tuple[type, ...], count: int
) -> tuple[Any, ...] | None:
    for klass in handler_type.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if isinstance(origin, type) and issubclass(origin, bases):
                args = typing.get_args(base)
                if len(args) == count:
                    return args
    return None


def type_name(obj: Any) -> str:
    """A readable name for a class, function or type expression, for error messages."""
    # `list[int]` passes `isinstance(obj, type)` on Python 3.10: keep its arguments.
    if isinstance(obj, type) and not isinstance(obj, types.GenericAlias):
        return obj.__qualname__
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        return str(obj.__qualname__)
    return repr(obj)
