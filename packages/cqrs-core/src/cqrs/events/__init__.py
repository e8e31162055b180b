"""Events: types, handlers, the event map and fallbacks.

The bootstrap of the event mediator (`cqrs.events.bootstrap`) and event
processing (`cqrs.events.processor`) are submodules, imported on their own.
"""

from __future__ import annotations

from typing import Any

from cqrs.events import event as _event_module
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


def __getattr__(name: str) -> Any:
    # The pydantic flavours live in cqrs-pydantic: resolved on first use, as at top level.
    if name in ("PydanticEvent", "PydanticDomainEvent", "PydanticNotificationEvent"):
        return getattr(_event_module, name)
    raise AttributeError(f"module 'cqrs.events' has no attribute {name!r}")
