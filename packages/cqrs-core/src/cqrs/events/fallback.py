"""`EventHandlerFallback`: a primary event handler with a fallback and an optional breaker."""

from __future__ import annotations

import dataclasses
import inspect

from cqrs._fallback import FallBackRule, check_options, fall_back_rule
from cqrs._introspect import declared_event_type, type_name
from cqrs.circuit_breaker import ICircuitBreaker

__all__ = ["EventHandlerFallback"]


@dataclasses.dataclass(frozen=True)
class EventHandlerFallback:
    """Bind this in an `EventMap` to fall back when the primary event handler fails.

    `failure_exceptions` empty means any `Exception`; `circuit_breaker` wraps
    every call of the primary, and an open circuit goes straight to the
    fallback. Both must be event handler classes declaring the same event type.
    """

    primary: type
    fallback: type
    failure_exceptions: tuple[type[BaseException], ...] = ()
    circuit_breaker: ICircuitBreaker | None = None
    # Planned in __post_init__ from the options above (which optional breaker
    # methods exist is decided once, not looked up per call).
    _falls_back: FallBackRule = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
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
        check_options(self.failure_exceptions, self.circuit_breaker)
        rule = fall_back_rule(self.failure_exceptions, self.circuit_breaker)
        object.__setattr__(self, "_falls_back", rule)  # frozen: set once, here

    def should_fall_back(self, exc: BaseException) -> bool:
        """Whether a failure of the primary sends the event to the fallback."""
        return self._falls_back(exc)
