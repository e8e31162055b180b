"""What every bootstrap plans before it builds its mediator.

`cqrs.requests.bootstrap` (`bootstrap`, `bootstrap_streaming`) and
`cqrs.events.bootstrap` differ only in the mediator they build; the container,
the startup callables, the maps and the event processing are planned here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from cqrs.container.adapt import adapt
from cqrs.container.protocol import Container
from cqrs.events.map import EventMap
from cqrs.events.processor import EventProcessor, check_event_options
from cqrs.message_brokers.protocol import MessageBroker
from cqrs.requests.map import HandlerBinding, RequestMap

__all__ = ["EventMapper", "Plan", "RequestMapper", "StartupCallable", "plan"]

#: Fills the request map: `def commands_mapper(mapper: cqrs.RequestMap) -> None`.
RequestMapper = Callable[[RequestMap], None]
#: Fills the event map: `def events_mapper(mapper: cqrs.EventMap) -> None`.
EventMapper = Callable[[EventMap], None]
#: Called once by bootstrap, before the mappers; its return value is ignored.
StartupCallable = Callable[[], object]


class Plan(NamedTuple):
    """The parts a mediator is built from."""

    container: Container
    requests: Mapping[type, HandlerBinding]
    events: EventProcessor


def plan(
    *,
    di_container: object,
    request_mappers: Sequence[RequestMapper | None],
    events_mapper: EventMapper | None,
    message_broker: MessageBroker | None,
    on_startup: Iterable[StartupCallable] | None,
    max_concurrent_event_handlers: int,
    concurrent_event_handle_enable: bool,
) -> Plan:
    """Check the options, adapt the container, run `on_startup`, fill and freeze the maps."""
    # The checks come first, so that a wrong option fails before any side effect.
    check_event_options(message_broker, max_concurrent_event_handlers)
    container = adapt(di_container)
    # As in python-cqrs, the startup callables run before the mappers, which may
    # rely on what they set up.
    for startup in on_startup or ():
        startup()
    request_map = RequestMap()
    for mapper in request_mappers:
        if mapper is not None:
            mapper(request_map)
    event_map = EventMap()
    if events_mapper is not None:
        events_mapper(event_map)
    processor = EventProcessor(
        event_map.freeze(),
        container,
        message_broker,
        max_concurrent_event_handlers,
        concurrent_event_handle_enable,
    )
    return Plan(container, request_map.freeze(), processor)
