"""Bootstrap of the `EventMediator`, for events consumed from a message broker.

The first four parameters keep python-cqrs's positional order; the others are
ours. Every optional one also accepts `None` (its default).
"""

from __future__ import annotations

from collections.abc import Sequence

from cqrs._bootstrap import EventMapper, StartupCallable, plan
from cqrs.mediator import EventMediator
from cqrs.message_brokers.protocol import MessageBroker
from cqrs.middlewares.base import Middleware

__all__ = ["EventMapper", "bootstrap"]


def bootstrap(
    di_container: object | None = None,
    middlewares: Sequence[Middleware] | None = None,
    events_mapper: EventMapper | None = None,
    on_startup: Sequence[StartupCallable] | None = None,
    message_broker: MessageBroker | None = None,
    max_concurrent_event_handlers: int = 1,
    concurrent_event_handle_enable: bool = True,
) -> EventMediator:
    """Build an `EventMediator`.

    `di_container` is taken as by `cqrs.requests.bootstrap.bootstrap`.
    `on_startup` callables run once, before `events_mapper`. `message_broker`
    receives the notification events emitted as follow-ups by the event
    handlers; the limits apply to the processing of follow-ups.
    """
    parts = plan(
        di_container=di_container,
        request_mappers=(),
        events_mapper=events_mapper,
        message_broker=message_broker,
        on_startup=on_startup,
        max_concurrent_event_handlers=max_concurrent_event_handlers,
        concurrent_event_handle_enable=concurrent_event_handle_enable,
    )
    return EventMediator(parts.events, middlewares or ())
