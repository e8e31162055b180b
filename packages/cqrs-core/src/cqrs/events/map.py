"""`EventMap`: which handlers react to which event type."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, overload

from cqrs._binding import handler_to_bind
from cqrs._introspect import type_name
from cqrs.events.fallback import EventHandlerFallback
from cqrs.exceptions import BindingError

__all__ = ["EventHandlerArgument", "EventMap"]

#: What `bind` accepts: an event handler class or a fallback pair.
EventHandlerArgument = type | EventHandlerFallback


class EventMap(Mapping[type, tuple[Any, ...]]):
    """Registry of event type → handlers, in bind order.

    An event type may have many handlers; binding the same handler twice to one
    event type is a `BindingError`. Routing is by exact type;
    `cqrs.NotificationEvent[Payload]` is a class of its own and can be bound.
    """

    def __init__(self) -> None:
        self._registry: dict[type, list[Any]] = {}
        self._frozen = False

    @overload
    def bind(self, event_type: type, handler: EventHandlerArgument) -> None: ...

    @overload
    def bind(self, event_type: type, *, handler_type: EventHandlerArgument) -> None: ...

    def bind(
        self,
        event_type: type,
        handler: EventHandlerArgument | None = None,
        *,
        handler_type: EventHandlerArgument | None = None,
    ) -> None:
        """Add `handler` (an EventHandler class or a fallback) to the handlers of `event_type`.

        The handler may also be passed as `handler_type=` (python-cqrs's keyword).
        """
        chosen = handler_to_bind(event_type, "an event", self._frozen, handler, handler_type)
        if not _is_event_handler(chosen):
            raise BindingError(
                f"{type_name(event_type)} is bound to {chosen!r}, which is not an event "
                "handler class (an EventHandler subclass with async def handle(event))"
            )
        handlers = self._registry.setdefault(event_type, [])
        if chosen in handlers:
            raise BindingError(f"{type_name(chosen)} is already bound to {type_name(event_type)}")
        handlers.append(chosen)

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
