"""`EventHandlerFallback`: a primary event handler with a fallback and an optional breaker."""

from __future__ import annotations

import dataclasses
import inspect

from cqrs._fallback import FallbackBinding
from cqrs._introspect import declared_event_type, type_name

__all__ = ["EventHandlerFallback"]


@dataclasses.dataclass(frozen=True)
class EventHandlerFallback(FallbackBinding):
    """Bind this in an `EventMap` to fall back when the primary event handler fails.

    `failure_exceptions` empty means any `Exception`; `circuit_breaker` wraps
    every call of the primary, and an open circuit goes straight to the
    fallback. Both must be event handler classes declaring the same event type.
    """

    def _check_handlers(self) -> None:
        for role in ("primary", "fallback"):
            value = getattr(self, role)
            if not (
                isinstance(value, type)
                and inspect.iscoroutinefunction(getattr(value, "handle", None))
            ):
                raise TypeError(
                    f"EventHandlerFallback {role} must be an event handler class with "
                    f"async def handle(event), got {value!r}"
                )
        primary_event = declared_event_type(self.primary)
        fallback_event = declared_event_type(self.fallback)
        if None not in (primary_event, fallback_event) and primary_event != fallback_event:
            raise TypeError(
                "EventHandlerFallback handlers declare different event types: "
                f"{type_name(self.primary)} handles {type_name(primary_event)}, "
                f"{type_name(self.fallback)} handles {type_name(fallback_event)}"
            )
