"""Benchmark scenarios: each is `async def run(n)` performing n operations.

Every scenario builds its mediator once, outside the timed loop, through the
public bootstrap API, exactly as an application would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from saga_scenario import saga_three_steps

import cqrs
from cqrs.events import bootstrap as event_bootstrap
from cqrs.requests import bootstrap

Runner = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    """A named benchmark with its target, in multiples of the floor."""

    name: str
    target: float
    per: int  # operations counted per loop iteration (items for streams)
    build: Callable[[], Runner]


class Command(cqrs.Request):
    order_id: str


class CommandHandler(cqrs.RequestHandler[Command, None]):
    async def handle(self, request: Command) -> None:
        return None


class Query(cqrs.Request):
    order_id: str


class QueryResult(cqrs.Response):
    order_id: str
    total: float


class QueryHandler(cqrs.RequestHandler[Query, QueryResult]):
    async def handle(self, request: Query) -> QueryResult:
        return QueryResult(order_id=request.order_id, total=10.0)


STREAM_ITEMS = 100


class StreamQuery(cqrs.Request):
    count: int


class StreamItem(cqrs.Response):
    index: int


_ITEMS = [StreamItem(index=i) for i in range(STREAM_ITEMS)]


class StreamHandler(cqrs.StreamingRequestHandler[StreamQuery, StreamItem]):
    async def handle(self, request: StreamQuery) -> AsyncIterator[StreamItem]:
        for item in _ITEMS:
            yield item


class Payment(cqrs.Request):
    method: str


class PaymentResult(cqrs.Response):
    handled_by: str


class CardLink(cqrs.CORRequestHandler[Payment, PaymentResult]):
    async def handle(self, request: Payment) -> PaymentResult | None:
        if request.method == "card":
            return PaymentResult(handled_by="card")
        return await self.next(request)


class PayPalLink(cqrs.CORRequestHandler[Payment, PaymentResult]):
    async def handle(self, request: Payment) -> PaymentResult | None:
        if request.method == "paypal":
            return PaymentResult(handled_by="paypal")
        return await self.next(request)


class DefaultLink(cqrs.CORRequestHandler[Payment, PaymentResult]):
    async def handle(self, request: Payment) -> PaymentResult | None:
        return PaymentResult(handled_by="default")


class Lookup(cqrs.Request):
    key: str


class LookupResult(cqrs.Response):
    value: str


class FailingPrimary(cqrs.RequestHandler[Lookup, LookupResult]):
    async def handle(self, request: Lookup) -> LookupResult:
        raise ConnectionError("primary down")


class CachedFallback(cqrs.RequestHandler[Lookup, LookupResult]):
    async def handle(self, request: Lookup) -> LookupResult:
        return LookupResult(value="cached")


def floor() -> Runner:
    handler = CommandHandler()
    request = Command(order_id="o-1")

    async def run(n: int) -> None:
        for _ in range(n):
            await handler.handle(request)

    return run


def send_command() -> Runner:
    mediator = bootstrap.bootstrap(commands_mapper=lambda m: m.bind(Command, CommandHandler))
    request = Command(order_id="o-1")

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(request)

    return run


def send_query() -> Runner:
    mediator = bootstrap.bootstrap(queries_mapper=lambda m: m.bind(Query, QueryHandler))
    request = Query(order_id="o-1")

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(request)

    return run


def stream_items() -> Runner:
    mediator = bootstrap.bootstrap_streaming(
        commands_mapper=lambda m: m.bind(StreamQuery, StreamHandler)
    )
    request = StreamQuery(count=STREAM_ITEMS)

    async def run(n: int) -> None:
        for _ in range(n):
            async for _item in mediator.stream(request):
                pass

    return run


def chain_third_answers() -> Runner:
    mediator = bootstrap.bootstrap(
        commands_mapper=lambda m: m.bind(Payment, [CardLink, PayPalLink, DefaultLink])
    )
    request = Payment(method="bank")

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(request)

    return run


def fallback_primary_raises() -> Runner:
    mediator = bootstrap.bootstrap(
        queries_mapper=lambda m: m.bind(
            Lookup,
            cqrs.RequestHandlerFallback(
                primary=FailingPrimary,
                fallback=CachedFallback,
                failure_exceptions=(ConnectionError,),
            ),
        )
    )
    request = Lookup(key="k")

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(request)

    return run


class Emitted(cqrs.DomainEvent):
    index: int


class EmitThree(cqrs.Request[None]):
    order_id: str


class EmitTen(cqrs.Request[None]):
    order_id: str


class EmitThreeHandler(cqrs.RequestHandler[EmitThree, None]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: EmitThree) -> None:
        # Built per call, as applications do: event construction is part of the figure.
        for index in range(3):
            self._events.append(Emitted(index=index))


class EmitTenHandler(cqrs.RequestHandler[EmitTen, None]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: EmitTen) -> None:
        for index in range(10):
            self._events.append(Emitted(index=index))


class OnEmitted(cqrs.EventHandler[Emitted]):
    async def handle(self, event: Emitted) -> None:
        return None


class Ping(cqrs.Response):
    message: str


PingEvent = cqrs.NotificationEvent[Ping]


class OnPing(cqrs.EventHandler[PingEvent]):
    async def handle(self, event: PingEvent) -> None:
        return None


def three_domain_events() -> Runner:
    mediator = bootstrap.bootstrap(
        commands_mapper=lambda m: m.bind(EmitThree, EmitThreeHandler),
        domain_events_mapper=lambda m: m.bind(Emitted, OnEmitted),
    )
    request = EmitThree(order_id="o-1")

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(request)

    return run


def ten_events_parallel() -> Runner:
    mediator = bootstrap.bootstrap(
        commands_mapper=lambda m: m.bind(EmitTen, EmitTenHandler),
        domain_events_mapper=lambda m: m.bind(Emitted, OnEmitted),
        max_concurrent_event_handlers=10,
        concurrent_event_handle_enable=True,
    )
    request = EmitTen(order_id="o-1")

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(request)

    return run


def event_mediator_notification() -> Runner:
    mediator = event_bootstrap.bootstrap(events_mapper=lambda m: m.bind(PingEvent, OnPing))
    event = PingEvent(event_name="Ping", topic="pings", payload=Ping(message="hi"))

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(event)

    return run


SCENARIOS = [
    Scenario("send a command, no events", 8, 1, send_command),
    Scenario("send a query returning a Response", 10, 1, send_query),
    Scenario("stream, per item", 4, STREAM_ITEMS, stream_items),
    Scenario("chain of responsibility, 3rd handler answers", 15, 1, chain_third_answers),
    Scenario("fallback, primary raises", 40, 1, fallback_primary_raises),
    Scenario("send a command emitting 3 domain events, 1 handler each", 40, 1, three_domain_events),
    Scenario("10 events, parallel handlers", 150, 1, ten_events_parallel),
    Scenario("event mediator, one notification", 6, 1, event_mediator_notification),
    Scenario("saga, 3 steps, memory storage", 120, 1, saga_three_steps),
]
