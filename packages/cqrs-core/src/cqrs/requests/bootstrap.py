"""Bootstrap: build a ready mediator from mappers, a container, a broker and middlewares.

All planning happens here, once: the maps are filled and frozen, every binding
is checked for the mediator it serves, the middleware chain is composed and the
construction of each handler is planned with the container.

The parameters keep python-cqrs's positional order; every optional one also
accepts `None` (its default).
"""

from __future__ import annotations

from collections.abc import Sequence

from cqrs._bootstrap import EventMapper, RequestMapper, StartupCallable, plan
from cqrs.mediator import RequestMediator, StreamingRequestMediator
from cqrs.message_brokers.protocol import MessageBroker
from cqrs.middlewares.base import Middleware, StreamingMiddleware

__all__ = ["EventMapper", "RequestMapper", "bootstrap", "bootstrap_streaming"]


def bootstrap(
    di_container: object | None = None,
    message_broker: MessageBroker | None = None,
    middlewares: Sequence[Middleware] | None = None,
    commands_mapper: RequestMapper | None = None,
    domain_events_mapper: EventMapper | None = None,
    queries_mapper: RequestMapper | None = None,
    on_startup: Sequence[StartupCallable] | None = None,
    max_concurrent_event_handlers: int = 1,
    concurrent_event_handle_enable: bool = True,
) -> RequestMediator:
    """Build a `RequestMediator` for `send`.

    `di_container` may be omitted (the built-in container), a `cqrs` container,
    a `di.Container` or a dependency-injector container. `message_broker`
    receives the notification events. `on_startup` callables run once, before
    the mappers. Commands and queries share one map: a request type bound by
    both mappers is an error. Up to `max_concurrent_event_handlers` event
    handlers run at once when `concurrent_event_handle_enable` is true.
    """
    parts = plan(
        di_container=di_container,
        request_mappers=(commands_mapper, queries_mapper),
        events_mapper=domain_events_mapper,
        message_broker=message_broker,
        on_startup=on_startup,
        max_concurrent_event_handlers=max_concurrent_event_handlers,
        concurrent_event_handle_enable=concurrent_event_handle_enable,
    )
    return RequestMediator(parts.requests, parts.container, parts.events, middlewares or ())


def bootstrap_streaming(
    di_container: object | None = None,
    message_broker: MessageBroker | None = None,
    middlewares: Sequence[StreamingMiddleware] | None = None,
    commands_mapper: RequestMapper | None = None,
    domain_events_mapper: EventMapper | None = None,
    queries_mapper: RequestMapper | None = None,
    on_startup: Sequence[StartupCallable] | None = None,
    max_concurrent_event_handlers: int = 10,
    concurrent_event_handle_enable: bool = True,
) -> StreamingRequestMediator:
    """Build a `StreamingRequestMediator` for `stream`.

    The parameters are those of `bootstrap`, in the same order, except that
    `middlewares` must implement `stream` (`StreamingMiddleware`) and
    `max_concurrent_event_handlers` defaults to 10 instead of 1.
    """
    # The same forwarding as in `bootstrap`: two public signatures (their middleware
    # type and a default differ), one plan; no step of the planning is repeated.
    parts = plan(
        di_container=di_container,
        request_mappers=(commands_mapper, queries_mapper),
        events_mapper=domain_events_mapper,
        message_broker=message_broker,
        on_startup=on_startup,
        max_concurrent_event_handlers=max_concurrent_event_handlers,
        concurrent_event_handle_enable=concurrent_event_handle_enable,
    )
    return StreamingRequestMediator(
        parts.requests, parts.container, parts.events, middlewares or ()
    )
