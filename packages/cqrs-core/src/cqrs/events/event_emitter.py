"""`EventEmitter`: python-cqrs's name for "send these events where they belong".

The mediators of cqrs plan event processing at bootstrap (`cqrs.events.processor`); this
class gives that machinery the constructor and the `emit` method python-cqrs code calls.
"""

from __future__ import annotations

from typing import Any

from cqrs.container.adapt import adapt
from cqrs.events.map import EventMap
from cqrs.events.processor import EventProcessor
from cqrs.message_brokers.protocol import MessageBroker

__all__ = ["EventEmitter"]


class EventEmitter:
    """Sends one event at a time to its handlers or to the message broker.

    `event_map` is read once, here: handlers bound to it later are not seen (bind first,
    as bootstrap does). `container` is anything bootstrap's `di_container` accepts. An
    event is processed as by the mediators: domain events go to their bound handlers,
    follow-up events of those handlers are processed in turn, notification events go to
    `message_broker`. Unlike python-cqrs, nothing is dropped silently: a notification
    event without a broker, or an event nobody can take, raises `cqrs.EventRoutingError`,
    and failing handlers are reported together by `cqrs.EventHandlingError`.
    """

    def __init__(
        self,
        event_map: EventMap,
        container: Any = None,
        message_broker: MessageBroker | None = None,
        *,
        max_concurrent_event_handlers: int = 1,
        concurrent_event_handle_enable: bool = True,
    ) -> None:
        self._process = EventProcessor(
            dict(event_map),
            adapt(container),
            message_broker,
            max_concurrent_event_handlers,
            concurrent_event_handle_enable,
        )

    async def emit(self, event: Any) -> None:
        """Process `event` and its follow-ups; raise once every routable one was handled."""
        await self._process([event])
