"""LISTEN/NOTIFY: an idle relay wakes when rows are committed (PostgreSQL), polls elsewhere."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

import cqrs
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.outbox.sqlalchemy import (
    OutboxConfigurationError,
    OutboxDatabaseError,
    OutboxListener,
    SqlAlchemyOutboxedEventRepository,
    create_tables,
    notify_channel,
    outbox_table,
)

from .conftest import Database, server_url

pytestmark = pytest.mark.anyio

# The first idle sleep of a relay is idle_sleep / 16 = 10 s: a row relayed within
# WITHIN seconds of its commit was brought by the notification, not by polling.
IDLE_SLEEP = 160.0
WITHIN = 5.0


def _event(n: int) -> cqrs.NotificationEvent[dict[str, Any]]:
    return cqrs.NotificationEvent(event_name="Paid", topic="orders", payload={"n": n})


@dataclasses.dataclass
class Postgres:
    """A PostgreSQL outbox table of this test; the engine's connections carry `application_name`."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Table
    application_name: str


@pytest.fixture
async def postgres(tmp_path: Path) -> AsyncIterator[Postgres]:
    url = server_url("postgresql", tmp_path)
    name = f"cqrs-listen-{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(url, connect_args={"server_settings": {"application_name": name}})
    metadata = MetaData()
    outbox = outbox_table(f"t_notify_{uuid.uuid4().hex[:12]}", metadata)
    await create_tables(engine, outbox)
    yield Postgres(engine, async_sessionmaker(engine), outbox, name)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await engine.dispose()


async def _write(
    database: Database | Postgres, *events: cqrs.NotificationEvent[Any], notify: bool
) -> None:
    async with database.sessions() as session:
        outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox, notify=notify)
        for event in events:
            outbox.add(event)
        await outbox.commit()


async def _until(condition: Any, timeout: float = WITHIN) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


class Relay:
    """An EventProducer running in the background on its own session, woken by `listener`."""

    def __init__(self, database: Postgres, listener: OutboxListener) -> None:
        self.broker = InMemoryMessageBroker()
        self.claims = 0
        self.stop = asyncio.Event()
        self._database = database
        self._listener = listener
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Relay:
        self._task = asyncio.ensure_future(self._run())
        await _until(lambda: self.claims >= 1)  # it found nothing and sleeps
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        assert self._task is not None
        await asyncio.wait_for(self._task, WITHIN)

    async def _run(self) -> None:
        relay = self

        class Counting(SqlAlchemyOutboxedEventRepository):
            async def claim_batch(self, limit: int, **kwargs: Any) -> Any:
                rows = await super().claim_batch(limit, **kwargs)
                relay.claims += 1
                return rows

        async with self._database.sessions() as session:
            repository = Counting(session, table=self._database.outbox)
            producer = cqrs.EventProducer(
                self.broker, repository, idle_sleep=IDLE_SLEEP, wakeup=self._listener.wakeup
            )
            await producer.run(self.stop)

    def names(self) -> list[int]:
        return [message.payload["payload"]["n"] for message in self.broker.messages]


async def _terminate(engine: AsyncEngine, application_name: str) -> int:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid() "
                "AND query ILIKE 'LISTEN%'"
            ),
            {"name": application_name},
        )
        return len(result.all())


class TestListenNotify:
    async def test_an_idle_relay_wakes_when_rows_commit(self, postgres: Postgres) -> None:
        async with OutboxListener(postgres.engine, postgres.outbox) as listener:
            assert listener.listening
            async with Relay(postgres, listener) as relay:
                await _write(postgres, _event(1), _event(2), notify=True)
                await _until(lambda: relay.names() == [1, 2])
                await _write(postgres, _event(3), notify=True)  # one row: executemany path
                await _until(lambda: relay.names() == [1, 2, 3])
        assert not listener.listening

    async def test_a_rolled_back_transaction_notifies_no_one(self, postgres: Postgres) -> None:
        async with OutboxListener(postgres.engine, postgres.outbox) as listener:
            await _until(listener.wakeup.is_set)  # set once, at start
            listener.wakeup.clear()
            async with postgres.sessions() as session:
                outbox = SqlAlchemyOutboxedEventRepository(
                    session, table=postgres.outbox, notify=True
                )
                outbox.add(_event(1))
                await outbox.rollback()
            await _write(postgres, _event(2), notify=False)  # committed, not notified
            await asyncio.sleep(0.3)
            assert not listener.wakeup.is_set()
            await _write(postgres, _event(3), notify=True)
            await _until(listener.wakeup.is_set)

    async def test_requeued_dead_rows_wake_the_relay(self, postgres: Postgres) -> None:
        await _write(postgres, _event(1), notify=False)
        async with postgres.sessions() as session:
            repository = SqlAlchemyOutboxedEventRepository(
                session, table=postgres.outbox, max_attempts=1, notify=True
            )
            [row] = await repository.claim_batch(1, lease=timedelta(seconds=30))
            await repository.mark_failed(row.id, "broker down")
            listener = OutboxListener(postgres.engine, postgres.outbox)
            async with listener, Relay(postgres, listener) as relay:
                assert relay.names() == []  # the row is DEAD
                assert await repository.requeue([row.id]) == 1
                await _until(lambda: relay.names() == [1])

    async def test_the_listener_reconnects_after_its_connection_is_terminated(
        self, postgres: Postgres
    ) -> None:
        listener = OutboxListener(postgres.engine, postgres.outbox, reconnect_delay=0.05)
        async with listener, Relay(postgres, listener) as relay:
            assert await _terminate(postgres.engine, postgres.application_name) == 1
            await _until(lambda: not listener.listening, timeout=WITHIN)
            await _until(lambda: listener.listening, timeout=WITHIN)
            await _write(postgres, _event(1), notify=True)
            await _until(lambda: relay.names() == [1])

    async def test_start_fails_clearly_when_the_database_is_unreachable(self) -> None:
        engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/test")
        try:
            with pytest.raises(OutboxDatabaseError, match="could not LISTEN"):
                await OutboxListener(engine).start()
        finally:
            await engine.dispose()


class TestConfiguration:
    async def test_other_databases_are_refused_with_the_reason(self, tmp_path: Path) -> None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
        try:
            with pytest.raises(OutboxConfigurationError, match="LISTEN/NOTIFY"):
                OutboxListener(engine)
        finally:
            await engine.dispose()

    def test_reconnect_delay_must_be_positive(self) -> None:
        engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1/test")
        with pytest.raises(ValueError, match="reconnect_delay"):
            OutboxListener(engine, reconnect_delay=0)

    def test_the_channel_is_named_after_the_table(self) -> None:
        assert notify_channel("orders_outbox") == "cqrs_outbox.orders_outbox"
        assert notify_channel(outbox_table("x" * 60, MetaData())).encode().__len__() == 63

    async def test_notify_is_ignored_where_there_is_no_listen(self, database: Database) -> None:
        if database.backend == "postgresql":
            pytest.skip("PostgreSQL notifies")
        await _write(database, _event(1), _event(2), notify=True)
        async with database.sessions() as session:
            repository = SqlAlchemyOutboxedEventRepository(
                session, table=database.outbox, notify=True
            )
            assert len(await repository.claim_batch(10, lease=timedelta(seconds=30))) == 2
