"""Event handler bindings compiled once, at bootstrap.

`BoundHandler.run(event)` handles one event and returns the follow-up events to
process (those of the fallback, when the primary failed), or None. For a plain
handler class with a synchronous factory and no events, `factory` is set so
that dispatch can build and await the handler inline, without the extra
coroutine of `run`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cqrs.container._scope import scope_required, scoped_invoke
from cqrs.container.protocol import Container
from cqrs.dispatcher.common import (
    always_fresh,
    handle_once,
    handler_getter,
    may_emit,
    take_events,
)
from cqrs.events.fallback import EventHandlerFallback

__all__ = ["BoundHandler", "Run", "bind_handler"]

#: Handles one event; returns its follow-up events, or None.
Run = Callable[[Any], Awaitable["list[Any] | None"]]


class BoundHandler:
    """A compiled event handler binding."""

    __slots__ = ("factory", "run", "who")

    def __init__(self, run: Run, who: Any, factory: Callable[[], Any] | None) -> None:
        self.run: Run = run
        self.who: Any = who  # named in error reports
        self.factory: Callable[[], Any] | None = factory


def bind_handler(container: Container, binding: Any) -> BoundHandler:
    """Compile a binding: an event handler class or an `EventHandlerFallback`."""
    if isinstance(binding, EventHandlerFallback):
        return BoundHandler(_fallback_runner(container, binding), binding.primary, None)
    factory, _ = handler_getter(container, binding)
    emits = may_emit(binding)
    inline = factory if factory is not None and not emits else None
    return BoundHandler(_plain_runner(container, binding), binding, inline)


def _plain_runner(container: Container, handler_type: type) -> Run:
    factory, _ = handler_getter(container, handler_type)
    resolve = container.resolve
    emits = may_emit(handler_type)
    fresh = always_fresh(factory)  # a new instance per call needs no turn

    async def run(event: Any) -> list[Any] | None:
        handler = factory() if factory is not None else await resolve(handler_type)
        if emits and not fresh:
            return (await handle_once(handler, event))[1]
        await handler.handle(event)
        return take_events(handler) if emits and getattr(handler, "events", None) else None

    # Each run of a handler that needs a scoped binding is a dispatch of its own.
    return scoped_invoke(run) if scope_required(container, handler_type) else run


def _fallback_runner(container: Container, binding: EventHandlerFallback) -> Run:
    primary = _plain_runner(container, binding.primary)
    fallback = _plain_runner(container, binding.fallback)
    breaker = binding.circuit_breaker
    primary_type = binding.primary
    should_fall_back = binding.should_fall_back

    async def run(event: Any) -> list[Any] | None:
        try:
            if breaker is None:
                return await primary(event)
            result: list[Any] | None = await breaker.call(primary_type, primary, event)
            return result
        except Exception as exc:
            if not should_fall_back(exc):
                raise
        return await fallback(event)

    return run
