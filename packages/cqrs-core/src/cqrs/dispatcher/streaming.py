"""Invokers for `StreamingRequestMediator.stream`: one streaming handler or a fallback pair.

Streaming fallback contract: items the primary already yielded stay delivered;
when the primary fails (before its first item or mid-stream) with a failure
that qualifies, the fallback handler is called with the same request and its
whole stream follows. With a circuit breaker that implements
`StreamGuardingCircuitBreaker`, the primary's whole stream counts as one
call (a mid-stream failure is one failure, a complete stream one success);
with any other breaker, every pull of an item goes through `breaker.call`. In
both cases an open circuit sends the request to the fallback at once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

from cqrs.circuit_breaker import StreamGuardingCircuitBreaker
from cqrs.container.protocol import Container
from cqrs.dispatcher.common import (
    Emit,
    HandlerGetter,
    discard_events,
    emit_for,
    handler_getter,
    may_emit,
    take_events,
)
from cqrs.requests.fallback import RequestHandlerFallback

__all__ = ["StreamInvoke", "fallback_stream_invoker", "stream_invoker"]

#: Streams the responses to one request, processing events before each item is yielded.
StreamInvoke = Callable[[Any], AsyncIterator[Any]]

_END = object()


def stream_invoker(container: Container, handler_type: type, emit: Emit) -> StreamInvoke:
    """One streaming handler: relay its items, processing its events after each one."""
    factory, _ = handler_getter(container, handler_type)
    if factory is not None:
        # One generator layer between the consumer and the handler: per-item cost matters.
        def invoke_sync(request: Any) -> AsyncIterator[Any]:
            handler = factory()
            return _relay(handler, handler.handle(request), emit)

        return invoke_sync
    resolve = container.resolve

    async def invoke(request: Any) -> AsyncIterator[Any]:
        handler: Any = await resolve(handler_type)
        async with aclosing(_relay(handler, handler.handle(request), emit)) as items:
            async for item in items:
                yield item

    return invoke


def fallback_stream_invoker(
    container: Container, binding: RequestHandlerFallback, emit: Emit
) -> StreamInvoke:
    """Primary stream until it fails (through the breaker if any), then the fallback stream."""
    primary = handler_getter(container, binding.primary)
    fallback = handler_getter(container, binding.fallback)
    primary_type = binding.primary
    breaker = binding.circuit_breaker
    # A breaker that can guard a whole stream counts it as one call: items pulled
    # before a failure must not reset a count of consecutive failures.
    guard = breaker.guard_stream if isinstance(breaker, StreamGuardingCircuitBreaker) else None
    per_pull = breaker is not None and guard is None
    should_fall_back = binding.should_fall_back
    resolve = container.resolve

    async def invoke(request: Any) -> AsyncIterator[Any]:
        failed = False
        handler: Any = None
        try:
            handler = await _get(primary, resolve)
            stream = handler.handle(request)
            if guard is not None:
                stream = guard(primary_type, stream)
        except Exception as exc:
            if not should_fall_back(exc):
                raise
            failed = True
        if not failed:
            try:
                while True:
                    try:
                        if per_pull:
                            item = await breaker.call(  # type: ignore[union-attr]
                                primary_type, _pull, stream
                            )
                        else:
                            item = await _pull(stream)
                    except Exception as exc:
                        # What the failed primary recorded describes work that did not happen.
                        discard_events(handler)
                        if not should_fall_back(exc):
                            raise
                        failed = True
                        break
                    if item is _END:
                        break
                    if getattr(handler, "events", None):
                        await emit_for(emit, take_events(handler), item)
                    yield item
            finally:
                await _close(stream)
            if not failed and getattr(handler, "events", None):
                await emit(take_events(handler))
        if failed:
            handler = await _get(fallback, resolve)
            async with aclosing(_relay(handler, handler.handle(request), emit)) as items:
                async for item in items:
                    yield item

    return invoke


async def _get(getter: HandlerGetter, resolve: Callable[[type], Any]) -> Any:
    factory, handler_type = getter
    if factory is not None:
        return factory()
    return await resolve(handler_type)


async def _close(stream: Any) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()


async def _pull(stream: AsyncIterator[Any]) -> Any:
    # StopAsyncIteration must not reach a circuit breaker: it is the normal end, not a failure.
    try:
        return await stream.__anext__()
    except StopAsyncIteration:
        return _END


async def _relay(handler: Any, stream: Any, emit: Emit) -> AsyncGenerator[Any, None]:
    if not may_emit(type(handler)):
        try:
            async for item in stream:
                yield item
        finally:
            await stream.aclose()
        return
    try:
        async for item in stream:
            if getattr(handler, "events", None):
                await emit_for(emit, take_events(handler), item)
            yield item
    except BaseException:
        discard_events(handler)
        raise
    finally:
        await stream.aclose()
    if getattr(handler, "events", None):
        await emit(take_events(handler))
