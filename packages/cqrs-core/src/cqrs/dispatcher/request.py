"""Invokers for `RequestMediator.send`: one handler, a chain, or a fallback pair."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cqrs.container.protocol import Container
from cqrs.dispatcher.common import (
    Emit,
    always_fresh,
    discard_events,
    emit_for,
    handle_once,
    handler_getter,
    may_emit,
    take_events,
)
from cqrs.dispatcher.turns import enter, leave
from cqrs.requests.cor_request_handler import CORRequestHandler
from cqrs.requests.fallback import RequestHandlerFallback

__all__ = ["Invoke", "chain_invoker", "fallback_invoker", "plain_invoker"]

#: Handles one request end to end (handler, then its events) and returns the response.
Invoke = Callable[[Any], Awaitable[Any]]


def plain_invoker(container: Container, handler_type: type, emit: Emit) -> Invoke:
    """One handler class: build it, await `handle`, process its events."""
    factory, _ = handler_getter(container, handler_type)
    resolve = container.resolve
    emits = may_emit(handler_type)

    if not emits:

        async def invoke_quiet(request: Any) -> Any:
            handler = factory() if factory is not None else await resolve(handler_type)
            return await handler.handle(request)

        return invoke_quiet

    if always_fresh(factory):
        new_handler: Callable[[], Any] = factory  # type: ignore[assignment]

        async def invoke_fresh(request: Any) -> Any:
            # A new instance per call: no other dispatch can see its events, so it
            # needs no turn, and a failed handle() takes its events with it.
            handler = new_handler()
            response = await handler.handle(request)
            if getattr(handler, "events", None):
                await emit_for(emit, take_events(handler), response)
            return response

        return invoke_fresh

    async def invoke(request: Any) -> Any:
        handler = factory() if factory is not None else await resolve(handler_type)
        response, events = await handle_once(handler, request)
        if events:
            await emit_for(emit, events, response)
        return response

    return invoke


def chain_invoker(container: Container, chain: tuple[type, ...], emit: Emit) -> Invoke:
    """A chain of responsibility: link fresh handlers, call the head, take every link's events."""
    getters = tuple(handler_getter(container, link) for link in chain)
    factories = tuple(factory for factory, _ in getters if factory is not None)
    resolve = container.resolve

    async def build_async() -> list[Any]:
        return [
            factory() if factory is not None else await resolve(link) for factory, link in getters
        ]

    all_sync = len(factories) == len(getters)
    emitting = tuple(index for index, link in enumerate(chain) if may_emit(link))
    # Links that keep the stock set_next are linked by attribute: one call fewer per link.
    stock_links = all(
        getattr(link, "set_next", None) is CORRequestHandler.set_next for link in chain
    )

    if all_sync and stock_links and not emitting:
        # The common case: build and link in one pass, no list, no per-link calls.
        head_factory, *rest = factories
        following_factories = tuple(rest)

        async def invoke_plain(request: Any) -> Any:
            head = previous = head_factory()
            for factory in following_factories:
                handler = factory()
                previous._next_handler = handler
                previous = handler
            previous._next_handler = None
            return await head.handle(request)

        return invoke_plain

    async def invoke(request: Any) -> Any:
        handlers = [factory() for factory in factories] if all_sync else await build_async()
        previous = handlers[0]
        if stock_links:
            for handler in handlers[1:]:
                previous._next_handler = handler
                previous = handler
            previous._next_handler = None
        else:
            for handler in handlers[1:]:
                previous.set_next(handler)
                previous = handler
            previous.set_next(None)
        sources = [handlers[index] for index in emitting]
        held: list[tuple[int, Any]] = []
        try:
            for source in sources:
                key = id(source)
                held.append((key, await enter(key)))
            try:
                response = await handlers[0].handle(request)
            except BaseException:
                for source in sources:
                    discard_events(source)
                raise
            events: list[Any] = []
            for source in sources:
                if getattr(source, "events", None):
                    events += take_events(source)
        finally:
            for key, token in reversed(held):
                leave(key, token)
        if events:
            await emit_for(emit, events, response)
        return response

    return invoke


def fallback_invoker(container: Container, binding: RequestHandlerFallback, emit: Emit) -> Invoke:
    """Primary through the circuit breaker; on a qualifying failure, the fallback.

    Only the handler whose response is returned has its events processed: a
    primary that failed may have recorded events for work that did not happen.
    """
    primary_factory, primary_type = handler_getter(container, binding.primary)
    fallback_factory, fallback_type = handler_getter(container, binding.fallback)
    breaker = binding.circuit_breaker
    should_fall_back = binding.should_fall_back
    resolve = container.resolve
    emits = may_emit(binding.primary) or may_emit(binding.fallback)

    async def invoke(request: Any) -> Any:
        events: list[Any] | None = None
        try:
            handler = (
                primary_factory() if primary_factory is not None else await resolve(primary_type)
            )
            if not emits:
                if breaker is None:
                    response = await handler.handle(request)
                else:
                    response = await breaker.call(primary_type, handler.handle, request)
            elif breaker is None:
                response, events = await handle_once(handler, request)
            else:
                response, events = await breaker.call(primary_type, handle_once, handler, request)
        except Exception as exc:
            if not should_fall_back(exc):
                raise
            handler = (
                fallback_factory() if fallback_factory is not None else await resolve(fallback_type)
            )
            if emits:
                response, events = await handle_once(handler, request)
            else:
                response = await handler.handle(request)
        if events:
            await emit_for(emit, events, response)
        return response

    return invoke
