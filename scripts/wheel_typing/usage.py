"""What users type against the installed wheels, checked by pyright strict (make test-wheels).

mypy checks the sources in the workspace; pyright cannot follow imports across
the editable distributions, so it checks this file against the built wheels
installed together, as a user's project would see them. It is also a runnable
script: `python usage.py` exercises the same calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import cqrs
from cqrs.adapters.circuit_breaker import AioBreakerAdapter
from cqrs.events import bootstrap as event_bootstrap
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.pydantic import Request as PydanticRequest
from cqrs.pydantic import Response as PydanticResponse
from cqrs.requests import bootstrap


class Total(cqrs.Response):
    amount: float


class GetTotal(cqrs.Request[Total]):
    order_id: str


class Placed(cqrs.DomainEvent, frozen=True):
    order_id: str


class Audit(cqrs.DomainEvent):
    order_id: str


class Shipped(cqrs.Response):
    order_id: str


class ShipAll(cqrs.Request[Shipped]):
    order_ids: list[str]


class PTotal(PydanticResponse):
    amount: float


class PGetTotal(PydanticRequest[PTotal]):
    order_id: str


class GetTotalHandler(cqrs.RequestHandler[GetTotal, Total]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    @property
    def events(self) -> list[cqrs.IEvent]:
        return self._events

    async def handle(self, request: GetTotal) -> Total:
        self._events.append(Placed(order_id=request.order_id))
        self._events.append(
            cqrs.NotificationEvent[Total](
                event_name="Totalled", topic="totals", payload=Total(amount=2.0)
            )
        )
        return Total(amount=2.0)


class CachedTotal(cqrs.RequestHandler[GetTotal, Total]):
    async def handle(self, request: GetTotal) -> Total:
        return Total(amount=0.0)


class PGetTotalHandler(cqrs.RequestHandler[PGetTotal, PTotal]):
    async def handle(self, request: PGetTotal) -> PTotal:
        return PTotal(amount=3.0)


class ShipAllHandler(cqrs.StreamingRequestHandler[ShipAll, Shipped]):
    async def handle(self, request: ShipAll) -> AsyncIterator[Shipped]:
        for order_id in request.order_ids:
            yield Shipped(order_id=order_id)


class Archive(cqrs.PydanticRequest):
    """A lazy top-level name of an extra, typed for pyright by cqrs/__init__.py."""

    order_id: str


class ArchiveHandler(cqrs.RequestHandler[Archive]):
    """One type argument: the response is None (python-cqrs 5 spelling)."""

    async def handle(self, request: Archive) -> None:
        return None


class OnPlaced(cqrs.EventHandler[Placed]):
    async def handle(self, event: Placed) -> None:
        return None


async def main() -> None:
    broker = InMemoryMessageBroker()
    breaker = AioBreakerAdapter(fail_max=3, timeout_duration=30)

    def commands(mapper: cqrs.RequestMap) -> None:
        mapper.bind(
            GetTotal,
            cqrs.RequestHandlerFallback(
                primary=GetTotalHandler, fallback=CachedTotal, circuit_breaker=breaker
            ),
        )
        mapper.bind(PGetTotal, PGetTotalHandler)
        mapper.bind(Archive, handler_type=ArchiveHandler)

    def events(mapper: cqrs.EventMap) -> None:
        mapper.bind(Placed, OnPlaced)

    mediator = bootstrap.bootstrap(
        commands_mapper=commands, domain_events_mapper=events, message_broker=broker
    )
    total: Total = await mediator.send(GetTotal(order_id="o-1"))
    p_total: PTotal = await mediator.send(PGetTotal(order_id="o-1"))
    await mediator.send(Archive(order_id="o-1"))
    streaming = bootstrap.bootstrap_streaming(
        commands_mapper=lambda mapper: mapper.bind(ShipAll, ShipAllHandler)
    )
    shipped: list[Shipped] = [item async for item in streaming.stream(ShipAll(order_ids=["a"]))]
    consumer = event_bootstrap.bootstrap(events_mapper=events)
    await consumer.send(Placed(order_id="o-2"))
    round_trip = Total.from_dict(**total.to_dict())
    print(
        total.amount,
        p_total.amount,
        [s.order_id for s in shipped],
        round_trip,
        len(broker.messages),
    )
    print(Audit(order_id="x").to_dict())


if __name__ == "__main__":
    asyncio.run(main())
