"""Event handler runners: one compiled per binding, at bootstrap.

A runner handles one event and returns the handler instance whose follow-up
events should be taken (the fallback's, when the primary failed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cqrs.container.protocol import Container
from cqrs.dispatcher.common import handler_getter
from cqrs.events.fallback import EventHandlerFallback

__all__ = ["Runner", "runner_for"]

Runner = Callable[[Any], Awaitable[Any]]


def runner_for(container: Container, binding: Any) -> tuple[Runner, Any]:
    """Compile a binding (handler class or fallback) into `(runner, who)` for error reports."""
    if isinstance(binding, EventHandlerFallback):
        return _fallback_runner(container, binding), binding.primary
    return _plain_runner(container, binding), binding


def _plain_runner(container: Container, handler_type: type) -> Runner:
    factory, _ = handler_getter(container, handler_type)
    resolve = container.resolve

    async def run(event: Any) -> Any:
        handler = factory() if factory is not None else await resolve(handler_type)
        await handler.handle(event)
        return handler

    return run


def _fallback_runner(container: Container, binding: EventHandlerFallback) -> Runner:
    primary = _plain_runner(container, binding.primary)
    fallback = _plain_runner(container, binding.fallback)
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
