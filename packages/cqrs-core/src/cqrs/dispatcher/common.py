"""What every invoker needs: handler construction and taking a handler's events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cqrs._handlers import _EventSource
from cqrs.container.protocol import Container, SupportsSyncFactory
from cqrs.exceptions import EventHandlingError

__all__ = ["Emit", "HandlerGetter", "emit_for", "handler_getter", "may_emit", "take_events"]

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


def take_events(handler: Any) -> list[Any]:
    """Copy the handler's events and clear them, so a reused handler never re-emits them."""
    taken = list(getattr(handler, "events", None) or ())
    clear = getattr(handler, "clear_events", None)
    if clear is not None:
        clear()
    return taken


async def emit_for(emit: Emit, events: list[Any], response: Any) -> None:
    """Process events; if handlers failed, attach `response` to the error so it is not lost."""
    try:
        await emit(events)
    except EventHandlingError as exc:
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
