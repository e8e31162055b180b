"""Events: types, handlers, the event map and fallbacks.

The bootstrap of the event mediator (`cqrs.events.bootstrap`) and event
processing (`cqrs.events.processor`) are submodules, imported on their own.
"""

from __future__ import annotations

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
from cqrs.events.event_handler import EventHandler
from cqrs.events.fallback import EventHandlerFallback
from cqrs.events.map import EventMap

__all__ = [
    "DCDomainEvent",
    "DCEvent",
    "DCNotificationEvent",
    "DomainEvent",
    "Event",
    "EventHandler",
    "EventHandlerFallback",
    "EventMap",
    "IDomainEvent",
    "IEvent",
    "INotificationEvent",
    "NotificationEvent",
]
