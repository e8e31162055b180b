"""Event handler bindings compiled once, at bootstrap.

`BoundHandler.run(event)` handles one event and returns the handler instance
whose follow-up events should be taken (the fallback's, when the primary
failed). For a plain handler class with a synchronous factory, `factory` is
set so that dispatch can build and await the handler inline, without the
extra coroutine of `run`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cqrs.container.protocol import Container
from cqrs.dispatcher.common import handler_getter, may_emit
from cqrs.events.fallback import EventHandlerFallback

__all__ = ["BoundHandler", "bind_handler"]


class BoundHandler:
    """A compiled event handler binding."""

    __slots__ = ("emits", "factory", "run", "who")

    def __init__(
        self,
        run: Callable[[Any], Awaitable[Any]],
        who: Any,
        factory: Callable[[], Any] | None,
        emits: bool,
    ) -> None:
        self.run: Callable[[Any], Awaitable[Any]] = run
        self.who: Any = who  # named in error reports
        self.factory: Callable[[], Any] | None = factory
        self.emits: bool = emits


def bind_handler(container: Container, binding: Any) -> BoundHandler:
    """Compile a binding: an event handler class or an `EventHandlerFallback`."""
    if isinstance(binding, EventHandlerFallback):
        emits = may_emit(binding.primary) or may_emit(binding.fallback)
        return BoundHandler(_fallback_runner(container, binding), binding.primary, None, emits)
    factory, _ = handler_getter(container, binding)
    run = _plain_runner(container, binding, factory)
    return BoundHandler(run, binding, factory, may_emit(binding))


def _plain_runner(
    container: Container, handler_type: type, factory: Callable[[], Any] | None
) -> Callable[[Any], Awaitable[Any]]:
    resolve = container.resolve

    async def run(event: Any) -> Any:
        handler = factory() if factory is not None else await resolve(handler_type)
        await handler.handle(event)
        return handler

    return run


def _fallback_runner(
    container: Container, binding: EventHandlerFallback
) -> Callable[[Any], Awaitable[Any]]:
    primary = _plain_runner(
        container, binding.primary, handler_getter(container, binding.primary)[0]
    )
    fallback = _plain_runner(
        container, binding.fallback, handler_getter(container, binding.fallback)[0]
    )
    breaker = binding.circuit_breaker
    primary_type = binding.primary
    should_fall_back = binding.should_fall_back

    async def run(event: Any) -> Any:
        try:
            if breaker is None:
                return await primary(event)
            return await breaker.call(primary_type, primary, event)
        except Exception as exc:
            if not should_fall_back(exc):
                raise
        return await fallback(event)

    return run
