"""What every invoker needs: handler construction and taking a handler's events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import Token
from typing import Any

from cqrs._handlers import _EventSource
from cqrs.container.protocol import Container, SupportsSyncFactory
from cqrs.dispatcher.turns import release, take_turn, wait_turn
from cqrs.exceptions import EventHandlingError, EventRoutingError

__all__ = [
    "Emit",
    "HandlerGetter",
    "always_fresh",
    "discard_events",
    "emit_for",
    "handle_once",
    "handler_getter",
    "may_emit",
    "take_events",
]

#: Processes the events taken from the handlers of one dispatch.
Emit = Callable[[list[Any]], Awaitable[None]]

#: `(sync_factory_or_None, handler_type)`: call the factory, else await `resolve(type)`.
HandlerGetter = tuple[Callable[[], Any] | None, type]


def handler_getter(container: Container, handler_type: type) -> HandlerGetter:
    """Plan how to obtain `handler_type`: a synchronous factory when the container has one."""
    factory: Callable[[], Any] | None = None
    if isinstance(container, SupportsSyncFactory):
        factory = container.sync_factory(handler_type)
    return factory, handler_type


def always_fresh(factory: Callable[[], Any] | None) -> bool:
    """Whether every call of `factory` returns a new object that nobody else holds.

    True for a plain class (the built-in container's factory for a handler
    without dependencies): its instances need no turn, since no other dispatch
    can see their events.
    """
    return (
        isinstance(factory, type)
        and type(factory).__call__ is _CONSTRUCT
        and factory.__new__ is _NEW
    )


# A metaclass or `__new__` of its own could hand out a shared instance.
_CONSTRUCT: Any = type.__call__
_NEW: Any = object.__new__


def take_events(handler: Any) -> list[Any]:
    """Copy the handler's events and clear them, so a reused handler never re-emits them."""
    taken = list(getattr(handler, "events", None) or ())
    clear = getattr(handler, "clear_events", None)
    if clear is not None:
        clear()
    return taken


def discard_events(handler: Any) -> None:
    """Forget what a failed `handle()` recorded: its events describe work that did not happen."""
    clear = getattr(handler, "clear_events", None)
    if clear is not None:
        clear()


async def handle_once(handler: Any, message: Any) -> tuple[Any, list[Any] | None]:
    """`handler.handle(message)` in the handler's turn; returns `(result, events or None)`.

    The events are taken while the turn is held, so a shared handler never hands
    one caller another's events; a `handle()` that raises (or is cancelled) has
    its events discarded.
    """
    key = id(handler)
    turn = take_turn(key)
    if turn is not None and turn.__class__ is not Token:
        turn = await wait_turn(key, turn)  # type: ignore[arg-type]
    try:
        result = await handler.handle(message)
        taken = take_events(handler) if getattr(handler, "events", None) else None
    except BaseException:
        discard_events(handler)
        raise
    finally:
        if turn is not None:
            release(key, turn)
    return result, taken


async def emit_for(emit: Emit, events: list[Any], response: Any) -> None:
    """Process events; if handlers failed, attach `response` to the error so it is not lost."""
    try:
        await emit(events)
    except (EventHandlingError, EventRoutingError) as exc:
        exc.response = response
        raise


def may_emit(handler_type: type) -> bool:
    """False when a handler class keeps the default `events` (always empty): skip reading it.

    On the handler base classes `events` is a read-only property, so such a
    handler can only have events by overriding it in its class. A duck-typed
    handler (no cqrs base class) may set `events` per instance: always read it.
    """
    if not issubclass(handler_type, _EventSource):
        return True
    return getattr(handler_type, "events", None) is not _EventSource.__dict__["events"]
