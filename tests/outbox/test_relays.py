"""Several relays (the core `EventProducer`) on one SQL outbox: every event delivered, none twice.

4 relays share 10,000 events on each backend.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import pytest
from sqlalchemy import func, select

import cqrs
from cqrs.message_brokers.protocol import Message
from cqrs.outbox import EventStatus
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository

from .conftest import Database

pytestmark = pytest.mark.anyio
RELAYS = 4
EVENTS = 10_000


class CountingBroker:
    """Records every delivery; sets `done` once `expected` distinct messages arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.deliveries: collections.Counter[Any] = collections.Counter()
        self.done = asyncio.Event()

    async def send_message(self, message: Message) -> None:
        await asyncio.sleep(0)  # a network call yields: the relays interleave
        self.deliveries[message.message_id] += 1
        if len(self.deliveries) >= self.expected:
            self.done.set()


async def write_events(database: Database, count: int, per_transaction: int = 500) -> list[Any]:
    """Commit `count` events through the repository, `per_transaction` per commit."""
    ids = []
    async with database.sessions() as session:
        writer = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
        for start in range(0, count, per_transaction):
            for n in range(start, min(count, start + per_transaction)):
                event = cqrs.NotificationEvent(event_name="Tick", topic="ticks", payload={"n": n})
                writer.add(event)
                ids.append(event.event_id)
            await writer.commit()
    return ids


async def status_counts(database: Database) -> dict[str, int]:
    table = database.outbox
    async with database.sessions() as session:
        rows = await session.execute(select(table.c.status, func.count()).group_by(table.c.status))
        return {str(status): int(count) for status, count in rows.all()}


async def test_relays_deliver_every_event_exactly_once(database: Database) -> None:
    count = EVENTS
    ids = await write_events(database, count)
    broker = CountingBroker(count)
    stop = asyncio.Event()
    sessions = [database.sessions() for _ in range(RELAYS)]
    producers = [
        cqrs.EventProducer(
            broker,
            SqlAlchemyOutboxedEventRepository(session, table=database.outbox),
            batch_size=100,
            idle_sleep=0.05,
        )
        for session in sessions
    ]
    relays = [asyncio.ensure_future(producer.run(stop)) for producer in producers]
    try:
        await asyncio.wait_for(broker.done.wait(), 120)
    finally:
        stop.set()
        await asyncio.gather(*relays)
        for session in sessions:
            await session.close()
    assert sorted(broker.deliveries) == sorted(ids)
    assert set(broker.deliveries.values()) == {1}
    assert await status_counts(database) == {EventStatus.PRODUCED.value: count}
