"""`RequestHandlerFallback`: a primary handler with a fallback and an optional circuit breaker."""

from __future__ import annotations

import dataclasses
from typing import Any

from cqrs._fallback import FallbackBinding
from cqrs._introspect import HandlerKind, declared_types, handler_kind, type_name

__all__ = ["RequestHandlerFallback"]


@dataclasses.dataclass(frozen=True)
class RequestHandlerFallback(FallbackBinding):
    """Bind this instead of a handler class to fall back when the primary fails.

    - `failure_exceptions`: the exception types that trigger the fallback; empty
      means any `Exception`. Others propagate unchanged.
    - `circuit_breaker`: every call of the primary goes through
      `circuit_breaker.call(primary, ...)`; while the circuit is open the
      request goes straight to the fallback.

    Both handlers must be of the same kind (plain or streaming) and declare the
    same request and response types; a mismatch is a `TypeError` here, at
    construction.
    """

    def _check_handlers(self) -> None:
        for role in ("primary", "fallback"):
            value = getattr(self, role)
            if not isinstance(value, type):
                raise TypeError(
                    f"RequestHandlerFallback {role} must be a handler class, got {value!r}"
                )
        kinds = handler_kind(self.primary), handler_kind(self.fallback)
        if None in kinds or kinds[0] is not kinds[1]:
            raise TypeError(
                "RequestHandlerFallback needs two handlers of the same kind, got "
                f"primary={type_name(self.primary)} ({_kind_label(kinds[0])}) and "
                f"fallback={type_name(self.fallback)} ({_kind_label(kinds[1])})"
            )
        primary_types = declared_types(self.primary)
        fallback_types = declared_types(self.fallback)
        if primary_types and fallback_types:
            for index, what in enumerate(("request", "response")):
                if primary_types[index] != fallback_types[index]:
                    raise TypeError(
                        f"RequestHandlerFallback handlers declare different {what} types: "
                        f"{type_name(self.primary)} handles {type_name(primary_types[index])}, "
                        f"{type_name(self.fallback)} handles {type_name(fallback_types[index])}"
                    )

    @property
    def kind(self) -> HandlerKind:
        """Plain or streaming: the kind of both handlers."""
        kind = handler_kind(self.primary)
        assert kind is not None  # checked in __post_init__
        return kind


def _kind_label(kind: Any) -> str:
    return "not a handler" if kind is None else kind.value
