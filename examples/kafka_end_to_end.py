"""End to end: command → SQL outbox (PostgreSQL) → relay → Kafka → consumer → read model.

    CQRS_OUTBOX_DSN=postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
    CQRS_KAFKA_BOOTSTRAP=localhost:9092 uv run python examples/kafka_end_to_end.py

1. `PlaceOrder` is sent through the mediator; its handler stages `OrderPlaced` in
   the outbox and commits it in one transaction (with whatever else it writes).
2. `EventProducer` relays the committed rows to Kafka through `KafkaMessageBroker`
   (keyed by order id, so one order's events stay in order).
3. `KafkaEventConsumer` reads them back and dispatches them through an
   `EventMediator`; each record is one unit of work in which the SQL inbox and
   the read model change together, so a redelivered record takes effect once.

Needs cqrs-outbox-sqlalchemy[postgres] and cqrs-kafka. The tables (and the topic)
are suffixed with `CQRS_EXAMPLE_SUFFIX`, and dropped at the end.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import os
import uuid

from sqlalchemy import Column, MetaData, Numeric, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.events import bootstrap as event_bootstrap
from cqrs.kafka import KafkaEventConsumer, KafkaMessageBroker, KafkaProducer
from cqrs.outbox.sqlalchemy import (
    SqlAlchemyInboxRepository,
    SqlAlchemyOutboxedEventRepository,
    create_tables,
    inbox_table,
    outbox_table,
)
from cqrs.requests import bootstrap

DSN = os.environ.get("CQRS_OUTBOX_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BOOTSTRAP = os.environ.get("CQRS_KAFKA_BOOTSTRAP", "localhost:9092")
SUFFIX = os.environ.get("CQRS_EXAMPLE_SUFFIX", "example")
TOPIC = f"orders_{SUFFIX}"
# Brokers without producer ids (the tansu test broker) need idempotence off.
IDEMPOTENT = os.environ.get("CQRS_KAFKA_IDEMPOTENCE", "true") == "true"


class OrderPayload(cqrs.Response):
    order_id: str
    amount: float


class OrderPlaced(cqrs.NotificationEvent[OrderPayload]):
    event_name: str = "OrderPlaced"
    topic: str = TOPIC

    def message_key(self) -> str:
        return self.payload.order_id


class PlaceOrder(cqrs.Request[None]):
    order_id: str
    amount: float


@dataclasses.dataclass(frozen=True)
class Store:
    """The database of the service: sessions and its tables."""

    sessions: async_sessionmaker[AsyncSession]
    outbox: Table
    inbox: Table
    read_model: Table


class PlaceOrderHandler(cqrs.RequestHandler[PlaceOrder, None]):
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle(self, request: PlaceOrder) -> None:
        async with self.store.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=self.store.outbox)
            # ... the order itself would be written with `session` here ...
            outbox.add(OrderPlaced(payload=OrderPayload(**request.to_dict())))
            await outbox.commit()  # the order and its event, in one transaction


# The session of the record being consumed: the inbox and the projection share it.
CURRENT_SESSION: contextvars.ContextVar[AsyncSession] = contextvars.ContextVar("session")


class UnitOfWork:
    """The core `InboxRepository` for one record: the SQL inbox on a fresh session,
    shared with the event handlers through `CURRENT_SESSION`, closed at the end."""

    def __init__(self, store: Store) -> None:
        self.session = store.sessions()
        self.inbox = SqlAlchemyInboxRepository(self.session, table=store.inbox)
        CURRENT_SESSION.set(self.session)

    async def record(self, message_id: str, consumer: str) -> bool:
        return await self.inbox.record(message_id, consumer)

    async def commit(self) -> None:
        try:
            await self.inbox.commit()
        finally:
            await self.session.close()

    async def rollback(self) -> None:
        try:
            await self.inbox.rollback()
        finally:
            await self.session.close()


class ProjectOrder(cqrs.EventHandler[OrderPlaced]):
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle(self, event: OrderPlaced) -> None:
        await CURRENT_SESSION.get().execute(
            insert(self.store.read_model).values(
                order_id=event.payload.order_id, amount=event.payload.amount
            )
        )


async def main() -> None:
    engine = create_async_engine(DSN)
    meta = MetaData()
    store = Store(
        async_sessionmaker(engine, expire_on_commit=False),
        outbox_table(f"outbox_{SUFFIX}", meta),
        inbox_table(f"inbox_{SUFFIX}", meta),
        Table(
            f"order_view_{SUFFIX}",
            meta,
            Column("order_id", String(64), primary_key=True),
            Column("amount", Numeric(10, 2)),
        ),
    )
    await create_tables(engine, store.outbox, store.inbox, store.read_model)
    container = DefaultContainer()
    container.bind_instance(Store, store)
    try:
        # 1. Commands write to the outbox.
        mediator = bootstrap.bootstrap(
            di_container=container,
            commands_mapper=lambda m: m.bind(PlaceOrder, PlaceOrderHandler),
        )
        for n, amount in enumerate((10.5, 20.0, 7.25), start=1):
            await mediator.send(PlaceOrder(order_id=f"ord-{n}", amount=amount))

        # 2. The relay sends what the outbox committed.
        producer = KafkaProducer(BOOTSTRAP, enable_idempotence=IDEMPOTENT)
        async with KafkaMessageBroker(producer) as broker, store.sessions() as session:
            repository = SqlAlchemyOutboxedEventRepository(session, table=store.outbox)
            report = await cqrs.EventProducer(broker, repository).relay_once()
        print(f"relayed    -> {report.produced} events to {TOPIC}")

        # 3. The consumer projects them into the read model, once each.
        consumer = KafkaEventConsumer(
            BOOTSTRAP,
            [TOPIC],
            f"order-view-{uuid.uuid4().hex[:8]}",
            event_bootstrap.bootstrap(
                di_container=container,
                events_mapper=lambda m: m.bind(OrderPlaced, ProjectOrder),
            ),
            event_types=[OrderPlaced],
            inbox=lambda: UnitOfWork(store),
            producer_options={"enable_idempotence": IDEMPOTENT},
        )
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        deadline = asyncio.get_running_loop().time() + 60
        while sum(consumer.counts.values()) < report.produced and not task.done():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the consumer settled {consumer.counts} in 60 s")
            await asyncio.sleep(0.05)
        stop.set()
        await task
        async with store.sessions() as session:
            view = (await session.execute(select(store.read_model))).all()
        for order_id, amount in sorted(view):
            print(f"read model -> {order_id}: {amount}")
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(meta.drop_all)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
