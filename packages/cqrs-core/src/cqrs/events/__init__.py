"""Events: types, handlers, the event map, fallbacks and event processing.

The names below are re-exported lazily (PEP 562) so that importing one
submodule never drags in the others, which keeps the import graph acyclic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cqrs.events.event import (
        DCDomainEvent,
        DCEvent,
        DCNotificationEvent,
        DomainEvent,
        Event,
        IDomainEvent,
        IEvent,
        INotificationEvent,
        NotificationEvent,
    )
    from cqrs.events.event_emitter import EventEmitter
    from cqrs.events.event_handler import EventHandler
    from cqrs.events.fallback import EventHandlerFallback
    from cqrs.events.map import EventMap

__all__ = [
    "DCDomainEvent",
    "DCEvent",
    "DCNotificationEvent",
    "DomainEvent",
    "Event",
    "EventEmitter",
    "EventHandler",
    "EventHandlerFallback",
    "EventMap",
    "IDomainEvent",
    "IEvent",
    "INotificationEvent",
    "NotificationEvent",
]

_WHERE = {
    **dict.fromkeys(
        [
            "DCDomainEvent",
            "DCEvent",
            "DCNotificationEvent",
            "DomainEvent",
            "Event",
            "IDomainEvent",
            "IEvent",
            "INotificationEvent",
            "NotificationEvent",
            "PydanticDomainEvent",
            "PydanticEvent",
            "PydanticNotificationEvent",
        ],
        "cqrs.events.event",
    ),
    "EventEmitter": "cqrs.events.event_emitter",
    "EventHandler": "cqrs.events.event_handler",
    "EventHandlerFallback": "cqrs.events.fallback",
    "EventMap": "cqrs.events.map",
}


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'cqrs.events' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
