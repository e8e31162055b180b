"""Outbox throughput on PostgreSQL, against plain asyncpg doing the same SQL work.

Figures (events per second, median of `--repeats`):

1. write: `--events` events through `SqlAlchemyOutboxedEventRepository.add` +
   `commit`, `--per-tx` events per transaction, by one writer (one session) and
   by `--writers` concurrent writers (a session each, as concurrent requests of a
   service would). Floor: asyncpg inserting the same rows (same columns, the same
   JSON payload bytes) with the statement the repository sends on PostgreSQL (one
   `INSERT … SELECT … FROM unnest(…)` per transaction), in transactions of the
   same size, on one connection and on `--writers` connections.
2. relay, one relay: `cqrs.EventProducer.relay_once` in a loop (claim a batch of
   `--batch`, send each row to an in-memory broker, mark the batch produced) until
   the table is drained. Floor: asyncpg running the same statements as the
   repository, each a single statement in autocommit (one round trip): the claim
   `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING <the
   columns an OutboxedEvent needs>` and `UPDATE … SET status = 'produced' …
   WHERE id = ANY($1)`, and decoding each payload.
   Also with the process's objects frozen first (`gc.freeze()`), as
   `python -m cqrs.outbox relay` does once it is set up.
3. relay, `--relays` relay processes on one table (each its own engine and
   session), timed from a common start until every row is produced.

Relay timings start once the connection is open (both sides), so they measure
relaying, not connecting.

    uv run python bench/outbox_postgres.py [--events 20000] [--per-tx 100] [--batch 500]
        [--relays 4] [--writers 4] [--repeats 3]

Needs PostgreSQL at $CQRS_TEST_POSTGRES_DSN (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test); the table has a random name
and is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
from sqlalchemy import MetaData, Table, make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

import cqrs
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository, create_tables, outbox_table
from cqrs.outbox.sqlalchemy.claim import CLAIMED
from cqrs.serializers import serialize_event

DSN = os.environ.get("CQRS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
LEASE = timedelta(seconds=60)


def _events(count: int) -> list[cqrs.NotificationEvent[dict[str, Any]]]:
    return [
        cqrs.NotificationEvent(
            event_name="OrderPlaced", topic="orders", payload={"order_id": n, "amount": 9.5}
        )
        for n in range(count)
    ]


async def _truncate(table: Table) -> None:
    conn = await asyncpg.connect(_plain_dsn())
    await conn.execute(f"TRUNCATE {table.name}")
    await conn.close()


def _plain_dsn() -> str:
    return make_url(DSN).set(drivername="postgresql").render_as_string(hide_password=False)


# -- write -----------------------------------------------------------------------------


async def write_cqrs(table: Table, count: int, per_tx: int, writers: int = 1) -> float:
    """`writers` tasks, each with its own session, share the transactions round-robin."""
    engine = create_async_engine(DSN, pool_size=writers)
    events = _events(count)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def connect() -> None:  # every writer's connection is open before timing
        async with sessions() as warm:
            await warm.connection()

    await asyncio.gather(*(connect() for _ in range(writers)))

    async def writer(first: int) -> None:
        async with sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=table)
            for start in range(first * per_tx, count, per_tx * writers):
                for event in events[start : start + per_tx]:
                    outbox.add(event)
                await outbox.commit()

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return count / elapsed


async def write_floor(table: Table, count: int, per_tx: int, writers: int = 1) -> float:
    """asyncpg writing the same rows with the statement the repository sends on PostgreSQL:
    one `INSERT … SELECT … FROM unnest(arrays)` per transaction, the columns that every
    row of the batch shares bound once as scalars; `writers` connections share the
    transactions round-robin, as `write_cqrs` does."""
    pool = await asyncpg.create_pool(_plain_dsn(), min_size=writers, max_size=writers)
    events = _events(count)
    sql = (
        f"INSERT INTO {table.name} (event_id, event_name, topic, message_key, headers, payload, "
        "status, attempts, next_attempt_at, last_error, created_at, updated_at) "
        "SELECT e, $2::varchar(255), $3::varchar(255), $4::varchar(255), $5::text, p, "
        "$7::varchar(16), $8::integer, $9::timestamptz, $10::text, c, u "
        "FROM unnest($1::uuid[], $6::bytea[], $11::timestamptz[], $12::timestamptz[]) "
        "WITH ORDINALITY AS staged(e, p, c, u, n) ORDER BY n"
    )

    async def writer(first: int) -> None:
        async with pool.acquire() as conn:
            for start in range(first * per_tx, count, per_tx * writers):
                batch = events[start : start + per_tx]
                times = [datetime.now(timezone.utc) for _ in batch]
                payloads = [serialize_event(e) for e in batch]  # what the repository stores
                ids = [e.event_id for e in batch]
                async with conn.transaction():
                    await conn.execute(
                        sql, ids, "OrderPlaced", "orders", None, None, payloads,
                        "new", 0, None, None, times, times,
                    )  # fmt: skip

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return count / elapsed


# -- relay -----------------------------------------------------------------------------


async def relay_cqrs(
    table: Table, batch: int, ready: Any = None, start: Any = None, *, freeze: bool = False
) -> tuple[int, float, float]:
    """Relay until the table is drained; (events sent, start time, end time).

    The engine connects (and SQLAlchemy initializes its dialect) before the clock
    starts, as the floor's connection does; `ready`/`start` line processes up.
    With `freeze`, the objects built so far are frozen (`gc.freeze()`) before the
    clock starts, as `python -m cqrs.outbox relay` does, and unfrozen after.
    """
    engine = create_async_engine(DSN)
    broker = InMemoryMessageBroker()
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        await session.connection()
        await session.commit()
        if ready is not None:
            ready.put(True)
            start.wait()
        if freeze:
            gc.collect()
            gc.freeze()
        began = time.time()
        repository = SqlAlchemyOutboxedEventRepository(session, table=table)
        producer = cqrs.EventProducer(broker, repository, batch_size=batch, lease=LEASE)
        while (await producer.relay_once()).claimed:
            pass
        ended = time.time()
    if freeze:
        gc.unfreeze()
    await engine.dispose()
    return len(broker.messages), began, ended


async def relay_floor(table: Table, batch: int) -> tuple[int, float, float]:
    conn = await asyncpg.connect(_plain_dsn())
    claim = (
        f"UPDATE {table.name} SET next_attempt_at = $1, updated_at = $2 WHERE id IN ("
        f"SELECT id FROM {table.name} WHERE status IN ('new', 'failed') AND "
        "(next_attempt_at IS NULL OR next_attempt_at <= $2) ORDER BY id LIMIT $3 "
        f"FOR UPDATE SKIP LOCKED) RETURNING {', '.join(CLAIMED)}"
    )
    produced = (
        f"UPDATE {table.name} SET status = 'produced', next_attempt_at = NULL, updated_at = $2 "
        "WHERE id = ANY($1)"
    )
    sent: list[Any] = []
    began = time.time()
    while True:
        now = datetime.now(timezone.utc)
        rows = await conn.fetch(claim, now + LEASE, now, batch)
        if not rows:
            break
        for row in rows:
            sent.append((row["event_id"], json.loads(row["payload"])))
        await conn.execute(produced, [row["id"] for row in rows], now)
    ended = time.time()
    await conn.close()
    return len(sent), began, ended


def _relay_process(table_name: str, batch: int, ready: Any, start: Any, done: Any) -> None:
    table = outbox_table(table_name, MetaData())
    # Connected before `ready`: the start line is the same for every process.
    done.put(asyncio.run(relay_cqrs(table, batch, ready, start)))


def relay_processes(table: Table, batch: int, relays: int) -> tuple[float, int]:
    """Run `relays` relay processes from a common start; return (seconds, events sent)."""
    ctx = multiprocessing.get_context("spawn")
    ready, start, done = ctx.Queue(), ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_relay_process, args=(table.name, batch, ready, start, done))
        for _ in range(relays)
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get()
    start.set()
    results = [done.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(end for _, _, end in results) - min(began for _, began, _ in results)
    return elapsed, sum(sent for sent, _, _ in results)


async def main(args: argparse.Namespace) -> None:
    engine = create_async_engine(DSN)
    table = outbox_table(f"bench_outbox_{uuid.uuid4().hex[:10]}", MetaData())
    await create_tables(engine, table)
    figures: dict[str, list[float]] = {}

    def record(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    def relayed(name: str, result: tuple[int, float, float]) -> None:
        sent, began, ended = result
        assert sent == args.events, sent  # every row sent once
        record(name, sent / (ended - began))

    async def written(name: str, write: Any, writers: int = 1) -> None:
        """Empty the table, then record the rate of `write` filling it again."""
        await _truncate(table)
        record(name, await write(table, args.events, args.per_tx, writers))

    async def refill() -> None:
        """A table of `--events` new rows (written by the floor, not timed)."""
        await _truncate(table)
        await write_floor(table, args.events, args.per_tx)

    try:
        for _ in range(args.repeats):
            await written(f"write floor, {args.writers} writers", write_floor, args.writers)
            await written(f"write cqrs, {args.writers} writers", write_cqrs, args.writers)
            await written("write floor (asyncpg)", write_floor)
            relayed("relay floor (asyncpg)", await relay_floor(table, args.batch))
            await written("write cqrs", write_cqrs)
            relayed("relay cqrs, 1 relay", await relay_cqrs(table, args.batch))
            await refill()
            frozen = await relay_cqrs(table, args.batch, freeze=True)
            relayed("relay cqrs, 1 relay, gc frozen", frozen)
            await refill()
            elapsed, sent = relay_processes(table, args.batch, args.relays)
            assert sent == args.events, sent  # every row sent once, by one of the relays
            record(f"relay cqrs, {args.relays} relay processes", sent / elapsed)
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(table.drop)
        await engine.dispose()
    print(f"{args.events} events, {args.per_tx} per write transaction, relay batch {args.batch}")
    print(f"median of {args.repeats} repeats")
    for name, values in figures.items():
        print(f"{name:<34} {statistics.median(values):>10,.0f} events/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--per-tx", type=int, default=100)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--relays", type=int, default=4)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
