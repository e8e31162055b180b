"""Outbox relay throughput, PostgreSQL → Kafka: cqrs's `EventProducer` against a bare floor.

Both sides do the same work on the same machine in the same run, with `--workers`
relays in parallel on one outbox table each (filled with `--events` rows first):

- ours: `cqrs.EventProducer` + `SqlAlchemyOutboxedEventRepository` + `KafkaMessageBroker`
  (`relay_once` with `--batch` rows claimed at a time, each batch handed to the
  broker's `send_messages` at once: every send in flight, as in the floor);
- floor: plain asyncpg + plain aiokafka: the same claim query (UPDATE … FOR UPDATE
  SKIP LOCKED RETURNING the same columns, one statement in autocommit), every send
  of the batch in flight with the same record (the stored payload bytes, the key,
  and the three headers ours sends: message name, message id, content type), one
  UPDATE marking them. The floor forwards the stored JSON as it is; ours decodes it
  into the `OutboxedEvent` and encodes it again (sorted keys) for Kafka.

After each side the topic's record count is checked against `--events`: no event
sent twice, none lost.

    uv run python bench/kafka_relay.py [--events 10000] [--workers 4] [--batch 500] [--repeats 3]

Each side runs `--repeats` times, alternating; the figures are the medians.

Needs PostgreSQL at $CQRS_TEST_POSTGRES_DSN (default postgres@127.0.0.1:5432/test)
and a Kafka broker (see kafka_common).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import time
import uuid

import asyncpg
from aiokafka import AIOKafkaProducer
from kafka_common import IDEMPOTENT, create_topic, kafka_bootstrap, records_on, report
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

import cqrs
from cqrs.kafka import KafkaMessageBroker, KafkaProducer
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository, create_tables, outbox_table
from cqrs.outbox.sqlalchemy.claim import CLAIMED

DSN = os.environ.get("CQRS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PARTITIONS = 4
# Both sides batch up to this many bytes per partition (aiokafka default: 16 KiB, and it
# sends one batch per partition at a time, so small batches cap throughput).
BATCH_BYTES = 512 * 1024


class Payload(cqrs.Response):
    order_id: str
    amount: float


class OrderPlaced(cqrs.NotificationEvent[Payload]):
    event_name: str = "OrderPlaced"


async def fill(engine: AsyncEngine, table: Table, topic: str, events: int) -> None:
    sessions = async_sessionmaker(engine)
    for start in range(0, events, 1000):
        async with sessions() as session:
            repository = SqlAlchemyOutboxedEventRepository(session, table=table)
            for n in range(start, min(events, start + 1000)):
                payload = Payload(order_id=f"ord-{n}", amount=n / 100)
                repository.add(OrderPlaced(topic=topic, payload=payload))
            await repository.commit()


async def ours(
    engine: AsyncEngine, table: Table, bootstrap: str, workers: int, batch: int, concurrency: int
) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    producer = KafkaProducer(
        bootstrap,
        enable_idempotence=IDEMPOTENT,
        options={"linger_ms": 5, "max_batch_size": BATCH_BYTES},
    )
    async with KafkaMessageBroker(producer) as broker:

        async def relay() -> None:
            async with sessions() as session:
                repository = SqlAlchemyOutboxedEventRepository(session, table=table)
                producer = cqrs.EventProducer(
                    broker, repository, batch_size=batch, concurrency=concurrency
                )
                while (await producer.relay_once()).claimed:
                    pass

        await asyncio.gather(*(relay() for _ in range(workers)))


async def floor(table: str, bootstrap: str, workers: int, batch: int) -> None:
    dsn = DSN.replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(dsn, min_size=workers, max_size=workers)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=IDEMPOTENT,
        acks="all",
        linger_ms=5,
        max_batch_size=BATCH_BYTES,
    )
    await producer.start()
    claim = (
        f"UPDATE {table} SET next_attempt_at = now() + interval '30 seconds', updated_at = now() "
        f"WHERE id IN (SELECT id FROM {table} WHERE status IN ('new', 'failed') AND "
        "(next_attempt_at IS NULL OR next_attempt_at <= now()) ORDER BY id LIMIT $1 "
        f"FOR UPDATE SKIP LOCKED) RETURNING {', '.join(CLAIMED)}"
    )
    mark = (
        f"UPDATE {table} SET status = 'produced', next_attempt_at = NULL, updated_at = now() "
        "WHERE id = ANY($1::bigint[])"
    )

    async def relay() -> None:
        async with pool.acquire() as conn:
            while rows := await conn.fetch(claim, batch):
                sends = [
                    await producer.send(
                        row["topic"],
                        bytes(row["payload"]),
                        key=row["message_key"].encode() if row["message_key"] else None,
                        headers=[
                            ("cqrs-message-name", row["event_name"].encode()),
                            ("cqrs-message-id", str(row["event_id"]).encode()),
                            ("content-type", b"application/json"),
                        ],
                    )
                    for row in rows
                ]
                await asyncio.gather(*sends)
                await conn.execute(mark, [row["id"] for row in rows])

    try:
        await asyncio.gather(*(relay() for _ in range(workers)))
    finally:
        await producer.stop()
        await pool.close()


async def main(events: int, workers: int, batch: int, concurrency: int, repeats: int) -> None:
    engine = create_async_engine(DSN, pool_size=workers + 2)
    meta = MetaData()
    figures: dict[str, list[float]] = {"floor": [], "ours": []}
    with kafka_bootstrap() as bootstrap:
        for _, side in itertools.product(range(repeats), ("floor", "ours")):
            suffix = uuid.uuid4().hex[:8]
            table = outbox_table(f"bench_outbox_{suffix}", meta)
            topic = f"bench-relay-{side}-{suffix}"
            await create_tables(engine, table)
            await create_topic(bootstrap, topic, PARTITIONS)
            try:
                await fill(engine, table, topic, events)
                started = time.perf_counter()
                if side == "ours":
                    await ours(engine, table, bootstrap, workers, batch, concurrency)
                else:
                    await floor(table.name, bootstrap, workers, batch)
                figures[side].append(events / (time.perf_counter() - started))
                sent, distinct = await records_on(bootstrap, topic, PARTITIONS)
                assert sent == distinct == events, (
                    f"{side}: {sent} records ({distinct} distinct) for {events} events"
                )
            finally:
                async with engine.begin() as conn:
                    await conn.run_sync(table.drop)
    await engine.dispose()
    report(
        f"relay PostgreSQL → Kafka, {workers} workers x batch {batch}, median of {repeats}",
        statistics.median(figures["ours"]),
        statistics.median(figures["floor"]),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.workers, args.batch, args.concurrency, args.repeats))
