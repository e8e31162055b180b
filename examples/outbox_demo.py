"""`make demo`, second part: the transactional outbox and inbox on SQLite (embedded default).

1. A command handler writes its order and an outbox event in one transaction: the
   built-in container gives the handler and its outbox repository one session per
   `send` (`scoped=True`), closed when the send ends.
2. The relay (`cqrs.EventProducer`) claims the committed row and publishes it.
3. A consumer receives the message twice (brokers deliver at least once) and hands
   it to an `EventMediator` handler that records it in the inbox in the same
   transaction as its read-model change: the read model changes once.

    python examples/outbox_demo.py [path/to/demo.db]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.events import bootstrap as event_bootstrap
from cqrs.inbox import InboxRepository
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.outbox.sqlalchemy import (
    SqlAlchemyInboxRepository,
    SqlAlchemyOutboxedEventRepository,
    create_tables,
    inbox_table,
    outbox_table,
)
from cqrs.requests import bootstrap

app_metadata = MetaData()
orders = Table(
    "orders", app_metadata, Column("id", String(36), primary_key=True), Column("item", String(50))
)
order_counts = Table(
    "order_counts", app_metadata, Column("item", String(50), primary_key=True), Column("n", Integer)
)


class PlaceOrder(cqrs.Request[None]):
    order_id: str
    item: str


class OrderPlaced(cqrs.Response):
    order_id: str
    item: str


class PlaceOrderHandler(cqrs.RequestHandler[PlaceOrder, None]):
    """The seeds' outbox handler: `self.outbox.add(event)`, then `await self.outbox.commit()`."""

    def __init__(self, session: AsyncSession, outbox: cqrs.OutboxedEventRepository) -> None:
        self.session, self.outbox = session, outbox

    async def handle(self, request: PlaceOrder) -> None:
        await self.session.execute(orders.insert().values(id=request.order_id, item=request.item))
        self.outbox.add(
            cqrs.NotificationEvent[OrderPlaced](
                event_name="OrderPlaced",
                topic="orders",
                payload=OrderPlaced(order_id=request.order_id, item=request.item),
            )
        )
        await self.outbox.commit()  # the order and its event, in one transaction


class CountOrders(cqrs.EventHandler[cqrs.NotificationEvent[OrderPlaced]]):
    """Keeps the read model; the inbox makes a redelivered message a no-op."""

    def __init__(self, session: AsyncSession, inbox: InboxRepository) -> None:
        self.session, self.inbox = session, inbox

    async def handle(self, event: cqrs.NotificationEvent[OrderPlaced]) -> None:
        if not await self.inbox.record(str(event.event_id), "order-counts"):
            print(f"inbox      -> {event.event_id} already processed, skipped")
            return
        assert event.payload is not None
        item = event.payload.item
        await self.session.execute(
            update(order_counts).where(order_counts.c.item == item).values(n=order_counts.c.n + 1)
        )
        await self.inbox.commit()  # the record and the read-model change, together
        print(f"inbox      -> {event.event_id} processed")


def container_for(sessions: async_sessionmaker[AsyncSession]) -> DefaultContainer:
    """One session per dispatch, shared by the handler and its outbox or inbox repository."""
    container = DefaultContainer()
    container.bind(AsyncSession, sessions, scoped=True)
    container.bind(cqrs.OutboxedEventRepository, SqlAlchemyOutboxedEventRepository)
    container.bind(InboxRepository, SqlAlchemyInboxRepository)
    return container


async def main(path: Path) -> int:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    await create_tables(engine, outbox_table(), inbox_table(), orders, order_counts)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        await session.execute(order_counts.insert().values(item="book", n=0))
        await session.commit()

    container = container_for(sessions)
    mediator = bootstrap.bootstrap(
        di_container=container, commands_mapper=lambda m: m.bind(PlaceOrder, PlaceOrderHandler)
    )
    await mediator.send(PlaceOrder(order_id="ord-1", item="book"))
    print("command    -> order ord-1 and its OrderPlaced event committed together")

    broker = InMemoryMessageBroker()
    async with sessions() as session:
        producer = cqrs.EventProducer(broker, SqlAlchemyOutboxedEventRepository(session))
        report = await producer.relay_once()
    [message] = broker.topic("orders")
    data = message.payload["payload"]
    print(f"relay      -> {report.produced} delivered: {message.message_name} {data}")

    consumer = event_bootstrap.bootstrap(
        di_container=container,
        events_mapper=lambda m: m.bind(cqrs.NotificationEvent[OrderPlaced], CountOrders),
    )
    for _ in range(2):  # at-least-once delivery: the same message twice
        await consumer.send(cqrs.NotificationEvent[OrderPlaced].from_dict(**message.payload))
    async with sessions() as session:
        count = int((await session.execute(select(order_counts.c.n))).scalar_one())
    print(f"read model -> {count} book order(s)")
    await engine.dispose()
    return count


if __name__ == "__main__":
    if len(sys.argv) > 1:
        asyncio.run(main(Path(sys.argv[1])))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(main(Path(tmp) / "demo.db"))
