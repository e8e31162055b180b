"""Faults around the SQL outbox: a broker outage, a dropped connection, a killed relay."""

from __future__ import annotations

import asyncio
import collections
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

import cqrs
from cqrs.message_brokers.protocol import Message
from cqrs.outbox import EventStatus
from cqrs.outbox.memory import utc_now
from cqrs.outbox.sqlalchemy import OutboxDatabaseError, SqlAlchemyOutboxedEventRepository
from cqrs.testing import FlakyMessageBroker, ManualClock

from .conftest import Database
from .test_relays import status_counts, write_events

pytestmark = pytest.mark.anyio
LEASE = timedelta(seconds=30)


async def test_broker_outage_then_recovery_loses_nothing(database: Database) -> None:
    ids = await write_events(database, 50)
    clock = ManualClock()
    broker = FlakyMessageBroker(fail_first=150)  # every event fails three times
    async with database.sessions() as session:
        repository = SqlAlchemyOutboxedEventRepository(
            session,
            table=database.outbox,
            now=clock,
            max_attempts=5,
            backoff_base=timedelta(seconds=1),
            backoff_max=timedelta(seconds=10),
        )
        producer = cqrs.EventProducer(broker, repository, batch_size=100, lease=LEASE)
        for _ in range(20):  # bounded: a broken relay must fail, not hang
            report = await producer.relay_once()
            assert report.dead == 0
            if len(broker.messages) == len(ids):
                break
            clock.advance(seconds=10)
        assert await repository.dead_letters() == []
    assert sorted(message.message_id for message in broker.messages) == sorted(ids)
    assert await status_counts(database) == {EventStatus.PRODUCED.value: len(ids)}


class TerminatingBroker:
    """Delivers, but first terminates the relay's PostgreSQL connections (once)."""

    def __init__(self, database: Database, application_name: str) -> None:
        self.database, self.application_name = database, application_name
        self.deliveries: collections.Counter[Any] = collections.Counter()
        self.terminated = 0

    async def send_message(self, message: Message) -> None:
        if not self.terminated:
            async with self.database.engine.connect() as admin:
                result = await admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": self.application_name},
                )
                self.terminated = len(result.all())
        self.deliveries[message.message_id] += 1


async def test_relay_recovers_after_its_connection_is_terminated(database: Database) -> None:
    if database.backend != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    ids = await write_events(database, 20)
    name = f"cqrs-relay-{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(
        database.url, connect_args={"server_settings": {"application_name": name}}
    )
    clock = ManualClock()
    broker = TerminatingBroker(database, name)
    try:
        async with async_sessionmaker(engine)() as session:
            repository = SqlAlchemyOutboxedEventRepository(
                session, table=database.outbox, now=clock
            )
            producer = cqrs.EventProducer(broker, repository, lease=LEASE)
            with pytest.raises(OutboxDatabaseError, match="mark rows produced"):
                await producer.relay_once()  # sent, but the connection died before marking
            assert broker.terminated == 1
            assert await repository.claim_batch(100, lease=LEASE) == []  # still leased
            clock.advance(LEASE)
            report = await producer.relay_once()  # same session, a new connection
    finally:
        await engine.dispose()
    assert report.produced == len(ids)
    assert sorted(broker.deliveries) == sorted(ids)
    assert set(broker.deliveries.values()) == {2}  # at least once: re-sent after the lease
    assert await status_counts(database) == {EventStatus.PRODUCED.value: len(ids)}


async def test_rows_of_a_killed_relay_process_are_delivered_after_the_lease(
    database: Database,
) -> None:
    ids = await write_events(database, 30)
    script = Path(__file__).with_name("relay_process.py")
    process = subprocess.Popen(
        [sys.executable, str(script), database.url, database.outbox.name, "30"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
    finally:
        process.kill()  # SIGKILL: no cleanup, no release
        process.wait()
    assert line.strip() == f"claimed {len(ids)}"
    broker = FlakyMessageBroker()
    async with database.sessions() as session:
        now_relay = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
        assert await now_relay.claim_batch(100, lease=LEASE) == []  # the dead relay's lease holds
        later = SqlAlchemyOutboxedEventRepository(
            session, table=database.outbox, now=lambda: utc_now() + LEASE + timedelta(seconds=1)
        )
        report = await cqrs.EventProducer(broker, later, batch_size=100).relay_once()
    assert report.produced == len(ids)
    assert sorted(message.message_id for message in broker.messages) == sorted(ids)
