"""Bootstrap of the `EventMediator`, for events consumed from a message broker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cqrs.container.adapt import adapt
from cqrs.events.map import EventMap
from cqrs.events.processor import EventProcessor, check_event_options
from cqrs.mediator import EventMediator
from cqrs.message_brokers.protocol import MessageBroker

__all__ = ["bootstrap"]


def bootstrap(
    di_container: Any = None,
    events_mapper: Callable[[EventMap], None] | None = None,
    on_startup: Sequence[Callable[[], Any]] = (),
    middlewares: Sequence[Any] = (),
    message_broker: MessageBroker | None = None,
    max_concurrent_event_handlers: int = 1,
    concurrent_event_handle_enable: bool = True,
) -> EventMediator:
    """Build an `EventMediator`.

    `message_broker` receives the notification events emitted as follow-ups by
    the event handlers; the limits apply to the processing of follow-ups.
    """
    check_event_options(message_broker, max_concurrent_event_handlers)
    container = adapt(di_container)
    event_map = EventMap()
    if events_mapper is not None:
        events_mapper(event_map)
    for startup in on_startup:
        startup()
    processor = EventProcessor(
        event_map.freeze(),
        container,
        message_broker,
        max_concurrent_event_handlers,
        concurrent_event_handle_enable,
    )
    return EventMediator(processor, middlewares)
