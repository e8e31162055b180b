"""`make demo`: an order service on embedded defaults (built-in container, in-memory broker).

`CQRS_BROKER_URL` picks another broker without code changes, through
`cqrs.message_brokers.from_url`: e.g. `CQRS_BROKER_URL=kafka://localhost:9092`
(with cqrs-kafka installed) publishes the notification events to Kafka.

It walks through what cqrs-core does on its own: a command whose handler emits a
domain event and a notification event, a query, a stream whose items arrive
after their events were handled, a chain of responsibility, a fallback, and a
middleware that sees `send` and `stream` alike.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import cqrs
from cqrs.message_brokers import Message, MessageBroker, from_url
from cqrs.middlewares import HandleType, StreamHandleType
from cqrs.requests import bootstrap

ORDERS: dict[str, float] = {}
AUDIT: list[str] = []


class OrderView(cqrs.Response):
    order_id: str
    amount: float


class PlaceOrder(cqrs.Request[None]):
    order_id: str
    amount: float


class GetOrder(cqrs.Request[OrderView]):
    order_id: str


class OrderPlaced(cqrs.DomainEvent, frozen=True):
    order_id: str


class OrderPlacedPayload(cqrs.Response):
    order_id: str
    amount: float


class PlaceOrderHandler(cqrs.RequestHandler[PlaceOrder, None]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: PlaceOrder) -> None:
        ORDERS[request.order_id] = request.amount
        self._events.append(OrderPlaced(order_id=request.order_id))
        self._events.append(
            cqrs.NotificationEvent[OrderPlacedPayload](
                event_name="OrderPlaced",
                topic="orders",
                payload=OrderPlacedPayload(order_id=request.order_id, amount=request.amount),
            )
        )


class AuditOrderPlaced(cqrs.EventHandler[OrderPlaced]):
    async def handle(self, event: OrderPlaced) -> None:
        AUDIT.append(f"placed {event.order_id}")


class GetOrderHandler(cqrs.RequestHandler[GetOrder, OrderView]):
    async def handle(self, request: GetOrder) -> OrderView:
        return OrderView(order_id=request.order_id, amount=ORDERS[request.order_id])


class Shipped(cqrs.Response):
    order_id: str


class ShipOrders(cqrs.Request[Shipped]):
    order_ids: list[str]


class OrderShipped(cqrs.DomainEvent, frozen=True):
    order_id: str


class ShipOrdersHandler(cqrs.StreamingRequestHandler[ShipOrders, Shipped]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: ShipOrders) -> AsyncIterator[Shipped]:
        for order_id in request.order_ids:
            self._events.append(OrderShipped(order_id=order_id))
            yield Shipped(order_id=order_id)


class AuditOrderShipped(cqrs.EventHandler[OrderShipped]):
    async def handle(self, event: OrderShipped) -> None:
        AUDIT.append(f"shipped {event.order_id}")


class Paid(cqrs.Response):
    by: str


class Pay(cqrs.Request[Paid | None]):
    method: str


class CardPayment(cqrs.CORRequestHandler[Pay, Paid]):
    async def handle(self, request: Pay) -> Paid | None:
        return Paid(by="card") if request.method == "card" else await self.next(request)


class BankPayment(cqrs.CORRequestHandler[Pay, Paid]):
    async def handle(self, request: Pay) -> Paid | None:
        return Paid(by="bank") if request.method == "bank" else await self.next(request)


class Price(cqrs.Response):
    amount: float
    source: str


class Quote(cqrs.Request[Price]):
    sku: str


class LivePricing(cqrs.RequestHandler[Quote, Price]):
    async def handle(self, request: Quote) -> Price:
        raise ConnectionError("pricing service unreachable")


class CachedPricing(cqrs.RequestHandler[Quote, Price]):
    async def handle(self, request: Quote) -> Price:
        return Price(amount=9.5, source="cache")


class Trace:
    """A middleware for both `send` and `stream`: records what went through it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, request: object, handle: HandleType) -> object:
        self.seen.append(f"send {type(request).__name__}")
        return await handle(request)

    async def stream(self, request: object, handle: StreamHandleType) -> AsyncIterator[object]:
        self.seen.append(f"stream {type(request).__name__}")
        async for item in handle(request):
            yield item


def commands(mapper: cqrs.RequestMap) -> None:
    mapper.bind(PlaceOrder, PlaceOrderHandler)
    mapper.bind(Pay, [CardPayment, BankPayment])
    mapper.bind(
        Quote,
        cqrs.RequestHandlerFallback(
            primary=LivePricing, fallback=CachedPricing, failure_exceptions=(ConnectionError,)
        ),
    )


def queries(mapper: cqrs.RequestMap) -> None:
    mapper.bind(GetOrder, GetOrderHandler)


def domain_events(mapper: cqrs.EventMap) -> None:
    mapper.bind(OrderPlaced, AuditOrderPlaced)
    mapper.bind(OrderShipped, AuditOrderShipped)


class Recorded:
    """Forwards to the chosen broker and remembers what it published, for the printout."""

    def __init__(self, broker: MessageBroker) -> None:
        self.broker = broker
        self.messages: list[Message] = []

    async def send_message(self, message: Message) -> None:
        await self.broker.send_message(message)
        self.messages.append(message)


async def main() -> None:
    """Run the tour and print what happened at each step."""
    broker = Recorded(from_url(os.environ.get("CQRS_BROKER_URL", "memory://")))
    trace = Trace()
    mediator = bootstrap.bootstrap(
        commands_mapper=commands,
        queries_mapper=queries,
        domain_events_mapper=domain_events,
        message_broker=broker,
        middlewares=[trace],
    )
    streaming = bootstrap.bootstrap_streaming(
        commands_mapper=lambda mapper: mapper.bind(ShipOrders, ShipOrdersHandler),
        domain_events_mapper=domain_events,
        message_broker=broker,
        middlewares=[trace],
    )

    await mediator.send(PlaceOrder(order_id="ord-1", amount=99.99))
    view = await mediator.send(GetOrder(order_id="ord-1"))
    print(f"query      -> {view}")
    for message in broker.messages:
        print(f"published  -> {message.topic}: {message.message_name} {message.payload['payload']}")
    async for shipped in streaming.stream(ShipOrders(order_ids=["ord-1", "ord-2"])):
        print(f"streamed   -> {shipped.order_id} (its event already handled: {AUDIT[-1]!r})")
    print(f"chain      -> {await mediator.send(Pay(method='bank'))}")
    print(f"fallback   -> {await mediator.send(Quote(sku='sku-1'))}")
    print(f"audit      -> {AUDIT}")
    print(f"middleware -> {trace.seen}")
    stop = getattr(broker.broker, "stop", None)
    if stop is not None:  # a networked broker (Kafka) flushes and disconnects
        await stop()


if __name__ == "__main__":
    asyncio.run(main())
