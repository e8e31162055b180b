"""Event processing: domain events to their handlers, notification events to the broker.

Policy (documented in the README):
- Events are processed to exhaustion: follow-up events collected by event
  handlers are processed after the handlers that emitted them.
- Within one dispatch at most `max_concurrent` handlers run at once, each in its
  own task (`cqrs.events.concurrent`); with `concurrent=False`, a limit of 1, or
  a single handler to run, they run one at a time in bind order, in the
  dispatching task.
- A failing handler does not stop the others. Its follow-ups are dropped; after
  everything else ran, one `EventHandlingError` lists every failure and carries
  the response of the request, so it is not lost.
- Notification events are published to the message broker before the local
  handlers bound for their type (if any) run.
- An event that cannot go anywhere — a notification event without a broker, or
  an event that is neither a domain event, nor a notification event, nor bound
  in the map — does not stop the others: once every routable event was
  processed, one `EventRoutingError` lists every unroutable event (and any
  handler failures), never a silent drop.
"""

from __future__ import annotations

from asyncio import CancelledError
from collections.abc import Coroutine, Mapping
from typing import Any

from cqrs._introspect import type_name
from cqrs.container.protocol import Container
from cqrs.events.concurrent import run_concurrently
from cqrs.events.event import IDomainEvent, INotificationEvent, event_key
from cqrs.events.runners import BoundHandler, bind_handler
from cqrs.exceptions import BootstrapError, EventFailure, EventHandlingError, EventRoutingError
from cqrs.message_brokers.protocol import Message, MessageBroker

__all__ = ["EventProcessor", "check_event_options", "notification_message"]

_Job = tuple["BoundHandler", Any]


class _Route:
    __slots__ = ("handlers", "problem", "publish")

    def __init__(
        self, handlers: tuple[BoundHandler, ...], publish: bool, problem: str | None
    ) -> None:
        self.handlers = handlers
        self.publish = publish
        self.problem = problem  # why the event cannot be routed, or None


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
        unroutable: list[tuple[Any, str]] = []
        await self._drain(events, failures, unroutable)
        if failures or unroutable:
            _raise_for(failures, unroutable)

    def bound(self) -> Mapping[type, tuple[BoundHandler, ...]]:
        """Event type → its compiled handlers, in bind order."""
        return self._bound

    async def dispatch(self, event: Any, handlers: tuple[BoundHandler, ...]) -> None:
        """Run `handlers` on one incoming event in bind order, then its follow-ups; raise once.

        The incoming event itself is not routed (nor published again): this is
        how `EventMediator` handles what a broker delivered.
        """
        failures: list[EventFailure] = []
        pending: list[Any] = []
        for bound in handlers:
            factory = bound.factory
            if factory is None:
                await self._run(bound, event, pending, failures)
                continue
            # `_run`'s inline case, without its coroutine: a consumer's hot path.
            try:
                await factory().handle(event)
            except Exception as exc:
                failures.append(EventFailure(event, bound.who, exc))
        if pending:
            unroutable: list[tuple[Any, str]] = []
            await self._drain(pending, failures, unroutable)
            if unroutable:
                _raise_for(failures, unroutable)
        if failures:
            _raise_for(failures, [])

    async def _drain(
        self,
        events: list[Any],
        failures: list[EventFailure],
        unroutable: list[tuple[Any, str]],
    ) -> None:
        pending = events
        while pending:
            jobs: list[_Job] = []
            for event in pending:
                route = self._routes.get(event.__class__) or self._plan(event)
                if route.problem is not None:
                    unroutable.append((event, route.problem))
                elif route.publish:
                    await self._publish(event, failures)
                for bound in route.handlers:
                    jobs.append((bound, event))
            pending = []
            if len(jobs) == 1 or self._limit == 1:
                for bound, event in jobs:
                    await self._run(bound, event, pending, failures)
            elif jobs:
                await run_concurrently(
                    _run_job, _job_cancelled, jobs, self._limit, pending, failures
                )

    @staticmethod
    async def _run(
        bound: BoundHandler, event: Any, pending: list[Any], failures: list[EventFailure]
    ) -> None:
        try:
            factory = bound.factory
            if factory is not None:
                await factory().handle(event)
                return
            taken = await bound.run(event)
        except Exception as exc:
            failures.append(EventFailure(event, bound.who, exc))
            return
        if taken:
            pending += taken

    async def _publish(self, event: Any, failures: list[EventFailure]) -> None:
        try:
            await self._broker.send_message(notification_message(event))  # type: ignore[union-attr]
        except Exception as exc:
            failures.append(EventFailure(event, self._broker, exc))

    def _plan(self, event: Any) -> _Route:
        event_type = event.__class__
        handlers = self._bound.get(event_type, ())
        publish = isinstance(event, INotificationEvent)
        problem: str | None = None
        if publish and self._broker is None:
            problem = (
                "a notification event, but this mediator has no message_broker: pass "
                "message_broker=... to bootstrap (use "
                "cqrs.message_brokers.devnull.DevnullMessageBroker() to drop them on purpose)"
            )
        # IDomainEvent is a marker: recognised nominally, by explicit subclassing.
        elif not handlers and not publish and IDomainEvent not in event_type.__mro__:
            problem = (
                "neither a domain event nor a notification event, and no handler is bound "
                "for it: derive it from cqrs.DomainEvent or cqrs.NotificationEvent, or bind "
                "a handler"
            )
        route = _Route(handlers, publish, problem)
        self._routes[event_type] = route
        return route


def _run_job(
    job: _Job, pending: list[Any], failures: list[EventFailure]
) -> Coroutine[Any, Any, None]:
    return EventProcessor._run(job[0], job[1], pending, failures)


def _job_cancelled(job: _Job, pending: list[Any], failures: list[EventFailure]) -> None:
    failures.append(EventFailure(job[1], job[0].who, CancelledError()))


def _raise_for(failures: list[EventFailure], unroutable: list[tuple[Any, str]]) -> None:
    """Raise what went wrong in one dispatch, once everything else was processed."""
    if unroutable:
        listed = "; ".join(
            f"{type_name(type(event))} ({event!r}) is {problem}"
            for event, problem in unroutable[:5]
        )
        more = f" (+{len(unroutable) - 5} more unroutable)" if len(unroutable) > 5 else ""
        routing = EventRoutingError(
            listed + more, unroutable=[event for event, _ in unroutable], failures=failures
        )
        if failures:
            raise routing from failures[0].error
        raise routing
    raise EventHandlingError(failures) from failures[0].error


def notification_message(event: Any) -> Message:
    """The broker message for a notification event: its `to_dict()` under its id and topic."""
    return Message(
        message_name=event.event_name,
        message_id=event.event_id,
        topic=event.topic,
        payload=event.to_dict(),
        key=event_key(event),
    )
