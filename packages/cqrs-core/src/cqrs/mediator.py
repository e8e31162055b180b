"""Mediators: route a request to its handler, as planned once at construction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from cqrs._introspect import HandlerKind, handler_kind, type_name
from cqrs.container._scope import scope_required, scoped_invoke, scoped_stream
from cqrs.container.protocol import Container
from cqrs.dispatcher.common import Emit
from cqrs.dispatcher.request import Invoke, chain_invoker, fallback_invoker, plain_invoker
from cqrs.dispatcher.streaming import StreamInvoke, fallback_stream_invoker, stream_invoker
from cqrs.events.processor import EventProcessor
from cqrs.exceptions import (
    EventRoutingError,
    HandlerKindError,
    RequestHandlerNotFound,
)
from cqrs.middlewares.base import MiddlewareChain
from cqrs.requests.fallback import RequestHandlerFallback
from cqrs.requests.map import HandlerBinding
from cqrs.requests.request import IRequest

__all__ = ["EventMediator", "RequestMediator", "StreamingRequestMediator"]

R = TypeVar("R")


def _routes(
    bindings: Mapping[type, HandlerBinding],
    container: Container,
    emit: Emit,
    middlewares: Sequence[Any],
    streaming: bool,
) -> dict[type, Any]:
    """Compile every binding for `send` or `stream`, each wrapped in the middleware chain."""
    chain = MiddlewareChain(middlewares)
    if streaming:
        chain.check_stream()
    else:
        chain.check_send()
    route = _stream_route if streaming else _plain_route
    wrap = chain.wrap_stream if streaming else chain.wrap
    routes: dict[type, Any] = {}
    in_scope = scoped_stream if streaming else scoped_invoke
    for request_type, binding in bindings.items():
        invoke: Any = route(request_type, binding, container, emit)
        if scope_required(container, *_handler_types(binding)):
            invoke = in_scope(invoke)
        routes[request_type] = wrap(invoke) if chain else invoke
    return routes


class _Router:
    """Routes compiled once, at construction, for `send` or for `stream`."""

    __slots__ = ("_routes",)
    _streaming: ClassVar[bool] = False

    def __init__(
        self,
        bindings: Mapping[type, HandlerBinding],
        container: Container,
        emit: Emit,
        middlewares: Sequence[Any] = (),
    ) -> None:
        self._routes: dict[type, Any] = _routes(
            bindings, container, emit, middlewares, self._streaming
        )


class RequestMediator(_Router):
    """Sends a request to the handler bound for its exact type and returns the response.

    Built by `cqrs.requests.bootstrap.bootstrap`. Every binding is checked and
    compiled when the mediator is constructed: a streaming handler bound here
    is a `HandlerKindError` then, not at the first request.
    """

    __slots__ = ()

    async def send(self, request: IRequest[R]) -> R:
        """Handle `request`: `await mediator.send(request)` returns the handler's response.

        The events the handler collected have been processed when the await
        returns. An unbound request type raises `RequestHandlerNotFound` when
        awaited.
        """
        try:
            invoke = self._routes[request.__class__]
        except KeyError:
            raise _not_found(request, "send", self._routes) from None
        return await invoke(request)  # type: ignore[no-any-return]


class StreamingRequestMediator(_Router):
    """Streams the responses of the streaming handler bound for a request's exact type.

    `mediator.stream(request)` is called without `await` and returns an async
    iterator; the handler runs lazily, as the consumer pulls items, and the
    events it collected are processed before each item is delivered.
    """

    __slots__ = ()
    _streaming = True

    def stream(self, request: IRequest[R]) -> AsyncIterator[R]:
        """Return the stream of responses to `request` (an unbound type raises at once)."""
        try:
            invoke = self._routes[request.__class__]
        except KeyError:
            raise _not_found(request, "stream", self._routes) from None
        stream: AsyncIterator[R] = invoke(request)
        return stream


class EventMediator:
    """Dispatches events consumed from a broker to the handlers bound for their exact type.

    Handlers run one after the other in bind order; their follow-up events are
    then processed (published, if they are notification events and a broker
    was given). The incoming event itself is never published again. A failing
    handler does not stop the others: once all ran, `EventHandlingError` lists
    the failures. An event type with no handler raises `EventRoutingError`: a
    consumer that receives it is misconfigured, and dropping it would lose it.
    """

    __slots__ = ("_processor", "_routes", "_wrapped")

    def __init__(self, processor: EventProcessor, middlewares: Sequence[Any] = ()) -> None:
        chain = MiddlewareChain(middlewares)
        chain.check_send()
        self._processor = processor
        self._routes = dict(processor.bound())
        self._wrapped: Callable[[Any], Awaitable[None]] | None = (
            chain.wrap(self._dispatch) if chain else None
        )

    async def send(self, event: Any) -> None:
        """Handle one incoming event and its follow-ups: `await mediator.send(event)`."""
        await (self._wrapped or self._dispatch)(event)

    def _dispatch(self, event: Any) -> Awaitable[None]:
        # A plain function returning the processor's coroutine: one frame fewer per event.
        try:
            handlers = self._routes[event.__class__]
        except KeyError:
            raise EventRoutingError(
                f"no handler is bound for {type(event).__module__}."
                f"{type_name(type(event))} in this EventMediator; bind one in events_mapper: "
                f"mapper.bind({type_name(type(event))}, YourEventHandler)",
                unroutable=[event],
            ) from None
        return self._processor.dispatch(event, handlers)


def _handler_types(binding: HandlerBinding) -> tuple[type, ...]:
    if isinstance(binding, tuple):
        return binding
    if isinstance(binding, RequestHandlerFallback):
        return (binding.primary, binding.fallback)
    return (binding,)


def _plain_route(
    request_type: type, binding: HandlerBinding, container: Container, emit: Emit
) -> Invoke:
    if isinstance(binding, tuple):
        return chain_invoker(container, binding, emit)
    if isinstance(binding, RequestHandlerFallback):
        _require(request_type, binding.primary, binding.kind, HandlerKind.PLAIN, "send")
        return fallback_invoker(container, binding, emit)
    _require(request_type, binding, handler_kind(binding), HandlerKind.PLAIN, "send")
    return plain_invoker(container, binding, emit)


def _stream_route(
    request_type: type, binding: HandlerBinding, container: Container, emit: Emit
) -> StreamInvoke:
    if isinstance(binding, tuple):
        raise HandlerKindError(
            f"{type_name(request_type)} is bound to a chain of responsibility, which answers "
            "with one response; chains cannot be streamed. Bind a StreamingRequestHandler "
            "for bootstrap_streaming, or bind the chain with bootstrap (send)."
        )
    if isinstance(binding, RequestHandlerFallback):
        _require(request_type, binding.primary, binding.kind, HandlerKind.STREAMING, "stream")
        return fallback_stream_invoker(container, binding, emit)
    _require(request_type, binding, handler_kind(binding), HandlerKind.STREAMING, "stream")
    return stream_invoker(container, binding, emit)


def _require(
    request_type: type,
    handler: type,
    kind: HandlerKind | None,
    expected: HandlerKind,
    method: str,
) -> None:
    if kind is expected:
        return
    if expected is HandlerKind.PLAIN:
        hint = (
            "RequestMediator.send needs a RequestHandler (async def handle returning one "
            "response); bind streaming handlers with bootstrap_streaming and call stream()"
        )
    else:
        hint = (
            "StreamingRequestMediator.stream needs a StreamingRequestHandler (handle is an "
            "async generator); bind plain handlers with bootstrap and call send()"
        )
    found = "a streaming handler" if kind is HandlerKind.STREAMING else "a plain handler"
    raise HandlerKindError(
        f"{type_name(request_type)} is bound to {type_name(handler)}, {found}, "
        f"but this mediator serves {method}(): {hint}"
    )


def _not_found(request: Any, method: str, routes: Mapping[type, Callable[..., Any]]) -> Exception:
    request_type = type(request)
    if isinstance(request, type):
        return RequestHandlerNotFound(
            f"{method}() received the class {type_name(request)} itself; pass an instance: "
            f"{method}({type_name(request)}(...))"
        )
    if not isinstance(request, IRequest):
        return RequestHandlerNotFound(
            f"{method}() received {request!r}, which is not a request "
            "(an IRequest such as a cqrs.Request subclass instance)"
        )
    hint = ""
    for bound in routes:
        if issubclass(request_type, bound):
            hint = (
                f"; {type_name(bound)} (a base class) is bound, but routing uses the exact "
                "type: bind the subclass too"
            )
            break
    return RequestHandlerNotFound(
        f"no handler is bound for {request_type.__module__}.{type_name(request_type)} in this "
        f"mediator ({method}); bind it in a mapper: "
        f"mapper.bind({type_name(request_type)}, YourHandler){hint}"
    )
