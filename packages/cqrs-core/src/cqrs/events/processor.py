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
from collections.abc import Iterator, Mapping
from typing import Any

from cqrs._introspect import type_name
from cqrs.container.protocol import Container
from cqrs.dispatcher.common import take_events
from cqrs.events.event import IDomainEvent, INotificationEvent
from cqrs.events.runners import Runner, runner_for
from cqrs.exceptions import EventFailure, EventHandlingError, EventRoutingError
from cqrs.message_brokers.protocol import Message, MessageBroker

__all__ = ["EventProcessor", "notification_message"]

#: A compiled handler binding and what to name in an error report.
_Bound = tuple[Runner, Any]
_Job = tuple[_Bound, Any]


class _Route:
    __slots__ = ("handlers", "publish")

    def __init__(self, handlers: tuple[_Bound, ...], publish: bool) -> None:
        self.handlers = handlers
        self.publish = publish


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
        if not isinstance(max_concurrent, int) or max_concurrent < 1:
            raise ValueError(
                f"max_concurrent_event_handlers must be an integer >= 1, got {max_concurrent!r}"
            )
        self._bound = {
            event_type: tuple(runner_for(container, handler) for handler in handlers)
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

    async def handle_incoming(self, event: Any) -> None:
        """Handle one event consumed from a broker: its bound handlers, then the follow-ups.

        The event itself is not published again, even if it is a notification event.
        """
        failures: list[EventFailure] = []
        handlers = self._bound.get(event.__class__, ())
        follow_ups: list[Any] = []
        for bound in handlers:
            await self._run((bound, event), follow_ups, failures)
        await self._drain(follow_ups, failures)
        if failures:
            error = EventHandlingError(failures)
            raise error from failures[0].error

    def handles(self, event_type: type) -> bool:
        """Whether any handler is bound for exactly this event type."""
        return event_type in self._bound

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
        (run, who), event = job
        try:
            handler = await run(event)
        except Exception as exc:
            failures.append(EventFailure(event, who, exc))
            return
        if handler.events:
            pending += take_events(handler)

    async def _run_concurrently(
        self, jobs: list[_Job], pending: list[Any], failures: list[EventFailure]
    ) -> None:
        # Workers share one iterator, so at most `limit` handlers run at once and
        # the current task is one of the workers (one task fewer to schedule).
        queue = iter(jobs)
        workers = min(self._limit, len(jobs))
        tasks = [
            asyncio.ensure_future(self._work(queue, pending, failures)) for _ in range(workers - 1)
        ]
        try:
            await self._work(queue, pending, failures)
            for task in tasks:
                await task
        finally:
            for task in tasks:
                task.cancel()

    async def _work(
        self, queue: Iterator[_Job], pending: list[Any], failures: list[EventFailure]
    ) -> None:
        for job in queue:
            await self._run(job, pending, failures)

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
