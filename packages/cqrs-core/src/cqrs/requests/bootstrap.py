"""Bootstrap: build a ready mediator from mappers, a container, a broker and middlewares.

All planning happens here, once: the maps are filled and frozen, every binding
is checked for the mediator it serves, the middleware chain is composed and the
construction of each handler is planned with the container.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cqrs.container.adapt import adapt
from cqrs.container.protocol import Container
from cqrs.events.map import EventMap
from cqrs.events.processor import EventProcessor, check_event_options
from cqrs.mediator import RequestMediator, StreamingRequestMediator
from cqrs.message_brokers.protocol import MessageBroker
from cqrs.requests.map import HandlerBinding, RequestMap

__all__ = ["bootstrap", "bootstrap_streaming"]

RequestMapper = Callable[[RequestMap], None]
EventMapper = Callable[[EventMap], None]


def bootstrap(
    di_container: Any = None,
    commands_mapper: RequestMapper | None = None,
    queries_mapper: RequestMapper | None = None,
    domain_events_mapper: EventMapper | None = None,
    message_broker: MessageBroker | None = None,
    middlewares: Sequence[Any] = (),
    on_startup: Sequence[Callable[[], Any]] = (),
    max_concurrent_event_handlers: int = 1,
    concurrent_event_handle_enable: bool = True,
) -> RequestMediator:
    """Build a `RequestMediator` for `send`.

    `di_container` may be omitted (the built-in container), a `cqrs` container,
    a `di.Container` or a dependency-injector container. Commands and queries
    share one map: a request type bound by both mappers is an error.
    """
    container, bindings, emit = _prepare(
        di_container,
        (commands_mapper, queries_mapper),
        domain_events_mapper,
        message_broker,
        on_startup,
        max_concurrent_event_handlers,
        concurrent_event_handle_enable,
    )
    return RequestMediator(bindings, container, emit, middlewares)


def bootstrap_streaming(
    di_container: Any = None,
    commands_mapper: RequestMapper | None = None,
    queries_mapper: RequestMapper | None = None,
    domain_events_mapper: EventMapper | None = None,
    message_broker: MessageBroker | None = None,
    middlewares: Sequence[Any] = (),
    on_startup: Sequence[Callable[[], Any]] = (),
    max_concurrent_event_handlers: int = 10,
    concurrent_event_handle_enable: bool = True,
) -> StreamingRequestMediator:
    """Build a `StreamingRequestMediator` for `stream` (same arguments as `bootstrap`)."""
    container, bindings, emit = _prepare(
        di_container,
        (commands_mapper, queries_mapper),
        domain_events_mapper,
        message_broker,
        on_startup,
        max_concurrent_event_handlers,
        concurrent_event_handle_enable,
    )
    return StreamingRequestMediator(bindings, container, emit, middlewares)


def _prepare(
    di_container: Any,
    request_mappers: tuple[RequestMapper | None, ...],
    domain_events_mapper: EventMapper | None,
    message_broker: MessageBroker | None,
    on_startup: Sequence[Callable[[], Any]],
    max_concurrent_event_handlers: int,
    concurrent_event_handle_enable: bool,
) -> tuple[Container, Mapping[type, HandlerBinding], EventProcessor]:
    # Before the mappers and on_startup run: a wrong option fails fast.
    check_event_options(message_broker, max_concurrent_event_handlers)
    container = adapt(di_container)
    request_map = RequestMap()
    for mapper in request_mappers:
        if mapper is not None:
            mapper(request_map)
    event_map = EventMap()
    if domain_events_mapper is not None:
        domain_events_mapper(event_map)
    for startup in on_startup:
        startup()
    bindings = request_map.freeze()
    emit = EventProcessor(
        event_map.freeze(),
        container,
        message_broker,
        max_concurrent_event_handlers,
        concurrent_event_handle_enable,
    )
    return container, bindings, emit
