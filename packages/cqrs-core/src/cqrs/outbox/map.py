"""`OutboxedEventMap`: event name -> notification event class, as python-cqrs registers them.

The outbox of cqrs stores each event's `to_dict()` and relays it as it is, so it needs no
registry. This one is kept for application code that looks classes up by event name, for
instance to decode consumed messages: `OutboxedEventMap.register("UserJoined",
UserJoinedEvent)` once at start-up, then `OutboxedEventMap.get("UserJoined")`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cqrs.events.event import INotificationEvent
from cqrs.exceptions import BindingError

__all__ = ["OutboxedEventMap"]


class OutboxedEventMap:
    """A process-wide registry of notification event classes by event name."""

    _registry: ClassVar[dict[str, type[INotificationEvent[Any]]]] = {}

    @classmethod
    def register(cls, event_name: str, event_type: type[INotificationEvent[Any]]) -> None:
        """Map `event_name` to `event_type`; a name can be registered once."""
        if not isinstance(event_type, type):
            raise BindingError(
                f"OutboxedEventMap.register({event_name!r}, ...) needs a notification event "
                f"class, got {event_type!r}"
            )
        registered = cls._registry.get(event_name)
        if registered is not None and registered is not event_type:
            raise BindingError(
                f"event name {event_name!r} is already registered to "
                f"{registered.__qualname__}; cannot register {event_type.__qualname__} too "
                "(give each event class its own name)"
            )
        cls._registry[event_name] = event_type

    @classmethod
    def get(cls, event_name: str) -> type[INotificationEvent[Any]] | None:
        """The class registered for `event_name`, or None."""
        return cls._registry.get(event_name)
