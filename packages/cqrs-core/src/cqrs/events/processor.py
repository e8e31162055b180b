"""Event processing: domain events to their handlers, notification events to the broker.

Policy (documented in the README):
- Events are processed to exhaustion: follow-up events collected by event
  handlers are processed after the handlers that emitted them.
- Within one dispatch at most `max_concurrent` handlers run at once; with
  `concurrent=False`, or a limit of 1, they run one at a time in bind order.
- A failing handler does not stop the others. Its follow-ups are dropped; after
  everything else ran, one `EventHandlingError` lists every failure and carries
  the response of the request, so it is not lost.
- Notification events are published to the message broker (after local handlers
  bound for their type, if any). Without a broker, the first notification event
  raises `EventRoutingError` — never a silent drop.
- An event that is neither a domain event, nor a notification event, nor bound
  in the map raises `EventRoutingError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from cqrs._introspect import type_name
from cqrs.container.protocol import Container
from cqrs.dispatcher.common import take_events
from cqrs.events._eager import start_eagerly
from cqrs.events.event import IDomainEvent, INotificationEvent
from cqrs.events.runners import BoundHandler, bind_handler
from cqrs.exceptions import BootstrapError, EventFailure, EventHandlingError, EventRoutingError
from cqrs.message_brokers.protocol import Message, MessageBroker

__all__ = ["EventProcessor", "check_event_options", "notification_message"]

_Job = tuple[BoundHandler, Any]


class _Route:
    __slots__ = ("handlers", "publish")

    def __init__(self, handlers: tuple[BoundHandler, ...], publish: bool) -> None:
        self.handlers = handlers
        self.publish = publish


def check_event_options(message_broker: Any, max_concurrent: Any) -> None:
    """Raise `BootstrapError` for a broker that is not one or a limit below 1."""
    if message_broker is not None and not isinstance(message_broker, MessageBroker):
        raise BootstrapError(
            f"message_broker must implement cqrs.message_brokers.protocol.MessageBroker "
            f"(async send_message(message)), got {message_broker!r}"
        )
    if not isinstance(max_concurrent, int) or max_concurrent < 1:
        raise BootstrapError(
            f"max_concurrent_event_handlers must be an integer >= 1, got {max_concurrent!r}"
        )


class EventProcessor:
    """Callable `await processor(events)`: the `emit` step of every mediator."""

    def __init__(
        self,
        event_map: Mapping[type, tuple[Any, ...]],
        container: Container,
        message_broker: MessageBroker | None = None,
        max_concurrent: int = 1,
        concurrent: bool = True,
    ) -> None:
        check_event_options(message_broker, max_concurrent)
        self._bound = {
            event_type: tuple(bind_handler(container, handler) for handler in handlers)
            for event_type, handlers in event_map.items()
        }
        self._broker = message_broker
        self._limit = max_concurrent if concurrent else 1
        self._routes: dict[type, _Route] = {}

    async def __call__(self, events: list[Any]) -> None:
        """Process `events` and all their follow-ups; raise one error listing failures."""
        failures: list[EventFailure] = []
        await self._drain(events, failures)
        if failures:
            error = EventHandlingError(failures)
            raise error from failures[0].error

    def bound(self) -> Mapping[type, tuple[BoundHandler, ...]]:
        """Event type → its compiled handlers, in bind order."""
        return self._bound

    async def drain(self, events: list[Any], failures: list[EventFailure]) -> None:
        """Process `events` and their follow-ups, appending failures instead of raising."""
        await self._drain(events, failures)

    async def _drain(self, events: list[Any], failures: list[EventFailure]) -> None:
        pending = events
        while pending:
            jobs: list[_Job] = []
            for event in pending:
                route = self._routes.get(event.__class__) or self._plan(event)
                for bound in route.handlers:
                    jobs.append((bound, event))
                if route.publish:
                    await self._publish(event, failures)
            pending = []
            if len(jobs) == 1 or self._limit == 1:
                for job in jobs:
                    await self._run(job, pending, failures)
            elif jobs:
                await self._run_concurrently(jobs, pending, failures)

    async def _run(self, job: _Job, pending: list[Any], failures: list[EventFailure]) -> None:
        bound, event = job
        try:
            factory = bound.factory
            if factory is not None:
                handler = factory()
                await handler.handle(event)
            else:
                handler = await bound.run(event)
        except Exception as exc:
            failures.append(EventFailure(event, bound.who, exc))
            return
        if bound.emits and getattr(handler, "events", None):
            pending += take_events(handler)

    async def _run_concurrently(
        self, jobs: list[_Job], pending: list[Any], failures: list[EventFailure]
    ) -> None:
        # Each handler starts at once; only one that suspends becomes a task, and at
        # most `limit` of those are in flight. `_run` records failures itself, so the
        # tasks only ever raise on cancellation.
        limit = self._limit
        inflight: set[asyncio.Task[Any]] = set()
        try:
            for job in jobs:
                if len(inflight) >= limit:
                    _, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                task = start_eagerly(self._run(job, pending, failures))
                if task is not None:
                    inflight.add(task)
            if inflight:
                await asyncio.wait(inflight)
                inflight = set()
        finally:
            for task in inflight:
                task.cancel()

    async def _publish(self, event: Any, failures: list[EventFailure]) -> None:
        broker = self._broker
        if broker is None:
            raise EventRoutingError(
                f"{type_name(type(event))} is a notification event but this mediator has no "
                "message_broker: pass message_broker=... to bootstrap (use "
                "cqrs.message_brokers.devnull.DevnullMessageBroker() to drop them on purpose)"
            )
        try:
            await broker.send_message(notification_message(event))
        except Exception as exc:
            failures.append(EventFailure(event, broker, exc))

    def _plan(self, event: Any) -> _Route:
        event_type = event.__class__
        handlers = self._bound.get(event_type, ())
        publish = isinstance(event, INotificationEvent)
        # IDomainEvent is a marker: recognised nominally, by explicit subclassing.
        if not handlers and not publish and IDomainEvent not in event_type.__mro__:
            raise EventRoutingError(
                f"{type_name(event_type)} ({event!r}) is neither a domain event nor a "
                "notification event and no handler is bound for it: derive it from "
                "cqrs.DomainEvent or cqrs.NotificationEvent, or bind a handler"
            )
        route = _Route(handlers, publish)
        self._routes[event_type] = route
        return route


def notification_message(event: Any) -> Message:
    """The broker message for a notification event: its `to_dict()` under its id and topic."""
    return Message(
        message_name=event.event_name,
        message_id=event.event_id,
        topic=event.topic,
        payload=event.to_dict(),
    )
