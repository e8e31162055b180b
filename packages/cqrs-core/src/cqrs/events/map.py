"""`EventMap`: which handlers react to which event type."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from cqrs._introspect import type_name
from cqrs.events.fallback import EventHandlerFallback
from cqrs.exceptions import BindingError

__all__ = ["EventMap"]


class EventMap(Mapping[type, tuple[Any, ...]]):
    """Registry of event type → handlers, in bind order.

    An event type may have many handlers; binding the same handler twice to one
    event type is a `BindingError`. Routing is by exact type;
    `cqrs.NotificationEvent[Payload]` is a class of its own and can be bound.
    """

    def __init__(self) -> None:
        self._registry: dict[type, list[Any]] = {}
        self._frozen = False

    def bind(self, event_type: type, handler: Any) -> None:
        """Add `handler` (an EventHandler class or a fallback) to the handlers of `event_type`."""
        if self._frozen:
            raise BindingError(
                f"cannot bind {type_name(event_type)}: this map was frozen by bootstrap; "
                "bind everything inside the mapper functions"
            )
        if not isinstance(event_type, type):
            raise BindingError(f"bind() needs an event class, got {event_type!r}")
        if not _is_event_handler(handler):
            raise BindingError(
                f"{type_name(event_type)} is bound to {handler!r}, which is not an event "
                "handler class (an EventHandler subclass with async def handle(event))"
            )
        handlers = self._registry.setdefault(event_type, [])
        if handler in handlers:
            raise BindingError(
                f"{type_name(handler) if isinstance(handler, type) else handler!r} is already "
                f"bound to {type_name(event_type)}"
            )
        handlers.append(handler)

    def freeze(self) -> Mapping[type, tuple[Any, ...]]:
        """Refuse further binds and return a read-only view: event type → handlers."""
        self._frozen = True
        return MappingProxyType({key: tuple(value) for key, value in self._registry.items()})

    def __getitem__(self, event_type: type) -> tuple[Any, ...]:
        return tuple(self._registry[event_type])

    def __iter__(self) -> Iterator[type]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)


def _is_event_handler(handler: Any) -> bool:
    if isinstance(handler, EventHandlerFallback):
        return True  # validated by its own constructor
    handle = getattr(handler, "handle", None)
    return isinstance(handler, type) and inspect.iscoroutinefunction(handle)
