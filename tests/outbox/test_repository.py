"""What the SQL outbox adds to the conformance suite: the caller's session, schema, payloads."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

import cqrs
from cqrs.compressors import ZlibCompressor
from cqrs.outbox import EventStatus, InvalidOutboxEventError, OutboxedEvent
from cqrs.outbox.sqlalchemy import (
    OutboxConfigurationError,
    OutboxDatabaseError,
    OutboxPayloadError,
    SqlAlchemyOutboxedEventRepository,
    outbox_table,
    rebind_outbox_model,
)
from cqrs.outbox.sqlalchemy.tables import OUTBOX_FILLFACTOR
from cqrs.serializers import serialize_event

from .conftest import Database

pytestmark = pytest.mark.anyio
LEASE = timedelta(seconds=30)


def _event(n: int = 1, **extra: Any) -> cqrs.NotificationEvent[dict[str, Any]]:
    return cqrs.NotificationEvent(event_name="Joined", topic="users", payload={"n": n, **extra})


async def _count(database: Database) -> int:
    async with database.sessions() as session:
        return int(
            (await session.execute(select(func.count()).select_from(database.outbox))).scalar_one()
        )


async def _names(database: Database, orders: Table) -> list[str]:
    async with database.sessions() as session:
        return list((await session.execute(select(orders.c.name))).scalars())


async def _order_with_event(
    session: AsyncSession, database: Database, orders: Table
) -> SqlAlchemyOutboxedEventRepository:
    """A handler's unit of work, not yet settled: one order row and one outbox event."""
    outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
    await session.execute(orders.insert().values(id=1, name="book"))
    outbox.add(_event())
    return outbox


class TestUnitOfWork:
    async def test_commit_persists_the_row_with_the_callers_changes(
        self, database: Database, orders: Table
    ) -> None:
        async with database.sessions() as session:
            outbox = await _order_with_event(session, database, orders)
            await outbox.commit()
        assert await _names(database, orders) == ["book"]
        assert await _count(database) == 1

    async def test_rollback_drops_the_row_with_the_callers_changes(
        self, database: Database, orders: Table
    ) -> None:
        async with database.sessions() as session:
            outbox = await _order_with_event(session, database, orders)
            await outbox.rollback()
            await outbox.commit()
        assert await _names(database, orders) == []
        assert await _count(database) == 0

    async def test_the_callers_own_session_commit_persists_staged_rows(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            SqlAlchemyOutboxedEventRepository(session, table=database.outbox).add(_event())
            await session.commit()
        assert await _count(database) == 1

    async def test_closing_the_session_without_commit_drops_staged_rows(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            SqlAlchemyOutboxedEventRepository(session, table=database.outbox).add(_event())
        async with database.sessions() as session:
            await session.commit()
        assert await _count(database) == 0

    async def test_two_repositories_on_one_session_commit_together(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            first = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            second = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            first.add(_event(1))
            second.add(_event(2))
            await first.commit()
        assert await _count(database) == 2

    async def test_add_rejects_a_payload_that_is_not_json(self, database: Database) -> None:
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            with pytest.raises(InvalidOutboxEventError, match="JSON-compatible"):
                outbox.add(_event(ratio=float("nan")))


class TestPayload:
    async def test_compressed_payload_round_trips(self, database: Database) -> None:
        event = _event(text="x" * 5000)
        async with database.sessions() as session:
            writer = SqlAlchemyOutboxedEventRepository(
                session, ZlibCompressor(), table=database.outbox
            )
            writer.add(event)
            await writer.commit()
            stored = (await session.execute(select(database.outbox.c.payload))).scalar_one()
            [row] = await writer.claim_batch(10, lease=LEASE)
        assert len(stored) < 1000
        assert row.payload == event.to_dict()

    async def test_compressed_payload_without_compressor_is_a_clear_error(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            writer = SqlAlchemyOutboxedEventRepository(
                session, ZlibCompressor(), table=database.outbox
            )
            writer.add(_event())
            await writer.commit()
            relay = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            with pytest.raises(OutboxPayloadError, match="compressor"):
                await relay.claim_batch(10, lease=LEASE)

    async def test_message_key_is_stored_and_relayed(self, database: Database) -> None:
        class Keyed(cqrs.NotificationEvent[dict[str, Any]]):
            def message_key(self) -> str:
                return "order-7"

        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            outbox.add(Keyed(event_name="Paid", topic="orders", payload={}))
            outbox.add(_event())
            await outbox.commit()
            keyed, plain = await outbox.claim_batch(10, lease=LEASE)
        assert (keyed.to_message().key, plain.to_message().key) == ("order-7", None)

    async def test_times_are_timezone_aware_utc(self, database: Database) -> None:
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            outbox.add(_event())
            await outbox.commit()
            [row] = await outbox.claim_batch(1, lease=LEASE)
        assert row.created_at.utcoffset() == timedelta(0)
        assert row.next_attempt_at is not None
        assert row.next_attempt_at.utcoffset() == timedelta(0)


class TestBatchCommit:
    """Many rows committed at once (one statement on PostgreSQL, executemany elsewhere)."""

    async def test_rows_keep_the_order_they_were_added_in(self, database: Database) -> None:
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            events = [_event(n) for n in range(250)]
            for event in events:
                outbox.add(event)
            await outbox.commit()
            claimed = await outbox.claim_batch(300, lease=LEASE)
        assert [row.event_id for row in claimed] == [event.event_id for event in events]
        assert [row.payload["payload"]["n"] for row in claimed] == list(range(250))

    async def test_columns_that_vary_and_columns_shared_by_the_batch_are_stored(
        self, database: Database
    ) -> None:
        class Keyed(cqrs.NotificationEvent[dict[str, Any]]):
            def message_key(self) -> str:
                return f"k-{self.payload['n']}"

        events: list[cqrs.NotificationEvent[dict[str, Any]]] = [
            Keyed(event_name="Paid", topic="orders", payload={"n": 1}),
            cqrs.NotificationEvent(event_name="Joined", topic="users", payload={"n": 2}),
            Keyed(event_name="Paid", topic="orders", payload={"n": 3}),
        ]
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(
                session, ZlibCompressor(), table=database.outbox
            )
            for event in events:
                outbox.add(event)
            await outbox.commit()
            claimed = await outbox.claim_batch(10, lease=LEASE)
        assert [(r.event_name, r.topic, r.key) for r in claimed] == [
            ("Paid", "orders", "k-1"),
            ("Joined", "users", None),
            ("Paid", "orders", "k-3"),
        ]
        assert [r.payload["payload"] for r in claimed] == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert {r.status for r in claimed} == {cqrs.EventStatus.NEW}

    async def test_a_second_batch_of_another_shape_goes_in_too(self, database: Database) -> None:
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            for n in range(3):  # one topic for the whole batch
                outbox.add(_event(n))
            await outbox.commit()
            for n in range(3, 6):  # a topic per row
                outbox.add(cqrs.NotificationEvent(event_name="X", topic=f"t{n}", payload={}))
            await outbox.commit()
            claimed = await outbox.claim_batch(10, lease=LEASE)
        assert [r.topic for r in claimed] == ["users"] * 3 + ["t3", "t4", "t5"]

    async def test_a_naive_clock_is_refused_at_commit_and_nothing_is_written(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(
                session, table=database.outbox, now=lambda: datetime(2026, 1, 1)
            )
            outbox.add(_event(1))
            outbox.add(_event(2))
            with pytest.raises(Exception, match="timezone-aware"):
                await outbox.commit()


async def _insert_raw(database: Database, payload: bytes) -> None:
    """An outbox row written by something else than `add` (a corrupted payload, say)."""
    now = datetime.now(timezone.utc)
    async with database.sessions() as session:
        await session.execute(
            database.outbox.insert().values(
                event_id=uuid.uuid4(),
                event_name="Joined",
                topic="users",
                payload=payload,
                status="new",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
        await session.commit()


class TestRelaySide:
    @pytest.mark.parametrize(
        ("payload", "message"),
        [(b'{"broken', r"row \d+ has a payload that is not \(compressed\) JSON"),
         (b'{"a":1}{"b":2}', r"row \d+ has a payload that is not \(compressed\) JSON"),
         (b'{"a":"\xff"}', r"row \d+ has a payload that is not \(compressed\) JSON"),
         (zlib.compress(b"[1]"), r"row \d+ payload is \[1\], not an object")],
    )  # fmt: skip
    async def test_undecodable_payload_names_its_row(
        self, database: Database, payload: bytes, message: str
    ) -> None:
        await _insert_raw(database, payload)
        async with database.sessions() as session:
            relay = SqlAlchemyOutboxedEventRepository(
                session, ZlibCompressor(), table=database.outbox
            )
            with pytest.raises(OutboxPayloadError, match=message):
                await relay.claim_batch(10, lease=LEASE)

    async def test_json_with_whitespace_after_it_is_read(self, database: Database) -> None:
        # Written by something else than `add`: still a JSON object, so still relayed.
        await _insert_raw(database, b'{"a": [1, 2]}\n')
        async with database.sessions() as session:
            relay = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            [row] = await relay.claim_batch(10, lease=LEASE)
        assert row.payload == {"a": [1, 2]}

    async def test_claimed_snapshots_are_ordinary_frozen_events(self, database: Database) -> None:
        event = _event(7)
        row = await _add_and_claim(database, event)
        fields = {f.name for f in dataclasses.fields(OutboxedEvent)}
        # The fields, and the stored JSON of the payload (not a field: see below).
        assert set(vars(row)) == fields | {"payload_json"}
        assert row == dataclasses.replace(row)
        assert (row.event_id, row.payload, row.status) == (
            event.event_id,
            event.to_dict(),
            EventStatus.NEW,
        )
        with pytest.raises(dataclasses.FrozenInstanceError):
            row.attempts = 3  # type: ignore[misc]

    async def test_claimed_rows_carry_their_stored_json_to_the_message(
        self, database: Database
    ) -> None:
        event = _event(8)
        row = await _add_and_claim(database, event)
        # Stored as serialize_event writes it, so a relayed record equals a direct send's.
        assert row.payload_json == serialize_event(event)
        assert json.loads(row.payload_json) == row.payload
        assert row.to_message().payload_json == row.payload_json
        # Not a field: a copy with another payload never carries these bytes.
        assert dataclasses.replace(row, payload={"other": 1}).payload_json is None
        assert dataclasses.replace(row.to_message(), payload={"other": 1}).payload_json is None

    async def test_a_failed_claim_raises_and_leaves_the_session_usable(
        self, database: Database
    ) -> None:
        async with database.sessions() as session:
            missing = SqlAlchemyOutboxedEventRepository(session, table="t_outbox_missing")
            with pytest.raises(OutboxDatabaseError, match="could not claim a batch"):
                await missing.claim_batch(10, lease=LEASE)
            with pytest.raises(OutboxDatabaseError, match="could not mark rows produced"):
                await missing.mark_produced([1])
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            outbox.add(_event())
            await outbox.commit()
            assert len(await outbox.claim_batch(10, lease=LEASE)) == 1

    async def test_relay_calls_leave_the_session_transactional(
        self, database: Database, orders: Table
    ) -> None:
        # PostgreSQL runs claim and mark in autocommit: the session's next unit of
        # work must still be a transaction that a rollback undoes.
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            outbox.add(_event())
            await outbox.commit()
            [row] = await outbox.claim_batch(10, lease=LEASE)
            await outbox.mark_produced([row.id])
            await session.execute(orders.insert().values(id=1, name="book"))
            outbox.add(_event(2))
            await outbox.rollback()
            assert await outbox.claim_batch(10, lease=LEASE) == []
        assert await _names(database, orders) == []
        assert await _count(database) == 1

    async def test_claim_joins_and_commits_a_transaction_the_caller_left_open(
        self, database: Database, orders: Table
    ) -> None:
        async with database.sessions() as session:
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            outbox.add(_event())
            await outbox.commit()
            await session.execute(orders.insert().values(id=1, name="book"))
            [row] = await outbox.claim_batch(10, lease=LEASE)
            await session.execute(orders.insert().values(id=2, name="pen"))
            await outbox.mark_produced([row.id])
            assert not session.in_transaction()
        assert sorted(await _names(database, orders)) == ["book", "pen"]
        async with database.sessions() as session:
            status = (await session.execute(select(database.outbox.c.status))).scalar_one()
        assert status == "produced"

    async def test_a_session_bound_to_a_connection_keeps_its_outer_transaction(
        self, database: Database
    ) -> None:
        # The test-suite pattern: everything inside one outer transaction, rolled back.
        # (Autocommit is PostgreSQL's path; SQLite's driver does not nest SAVEPOINTs so.)
        if database.backend != "postgresql":
            pytest.skip("the autocommit relay path is PostgreSQL's")
        async with database.engine.connect() as conn:
            outer = await conn.begin()
            session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint")
            outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
            outbox.add(_event())
            await outbox.commit()
            [row] = await outbox.claim_batch(10, lease=LEASE)
            await outbox.mark_produced([row.id])
            status = (await session.execute(select(database.outbox.c.status))).scalar_one()
            assert status == "produced"
            await session.close()
            assert outer.is_active
            await outer.rollback()
        assert await _count(database) == 0


async def _add_and_claim(database: Database, event: Any) -> OutboxedEvent:
    """Commit `event` alone and claim its row."""
    async with database.sessions() as session:
        outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
        outbox.add(event)
        await outbox.commit()
        [row] = await outbox.claim_batch(10, lease=LEASE)
    return row


async def _statistic(database: Database, query: str, name: str, expected: int) -> int:
    """A PostgreSQL statistics counter (`query` with `:i` = `name`), read until it reaches
    `expected` or five seconds pass: backends report their counts asynchronously."""
    value = 0
    for _ in range(50):
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            value = (await conn.execute(text(query), {"i": name})).scalar_one()
        if value >= expected:
            break
        await asyncio.sleep(0.1)
    return int(value)


class TestPreparedPlans:
    """asyncpg prepares statements; PostgreSQL may run them with a generic plan, which
    uses a partial index only if the statement's own predicate implies the index's."""

    @pytest.mark.parametrize("which", ["open", "dead"])
    async def test_relay_statements_use_the_partial_indexes_with_generic_plans(
        self, database: Database, which: str
    ) -> None:
        if database.backend != "postgresql":
            pytest.skip("prepared statements' generic plans are PostgreSQL's")
        engine = create_async_engine(
            database.url,
            connect_args={"server_settings": {"plan_cache_mode": "force_generic_plan"}},
        )
        index = f"ix_{database.outbox.name}_{which}"
        try:
            async with AsyncSession(engine) as session:
                outbox = SqlAlchemyOutboxedEventRepository(
                    session, table=database.outbox, max_attempts=1
                )
                for n in range(8):
                    outbox.add(_event(n))
                await outbox.commit()
                for _ in range(8):
                    [row] = await outbox.claim_batch(1, lease=LEASE)
                    if which == "dead":
                        await outbox.mark_failed(row.id, "broker down")
                        await outbox.dead_letters(10)
        finally:
            await engine.dispose()  # its backends exit, which flushes their statistics
        scans = await _statistic(
            database, "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = :i", index, 8
        )
        assert scans >= 8, f"{index} was scanned {scans} times for 8 statements"


class TestSchema:
    async def test_table_name_defaults_to_the_environment_variable(
        self, monkeypatch: pytest.MonkeyPatch, database: Database
    ) -> None:
        monkeypatch.setenv("OUTBOX_SQLA_TABLE", database.outbox.name)
        async with database.sessions() as session:
            repository = SqlAlchemyOutboxedEventRepository(session)
        assert repository.table.name == database.outbox.name

    async def test_table_name_without_the_variable_is_outbox(
        self, monkeypatch: pytest.MonkeyPatch, database: Database
    ) -> None:
        monkeypatch.delenv("OUTBOX_SQLA_TABLE", raising=False)
        async with database.sessions() as session:
            assert SqlAlchemyOutboxedEventRepository(session).table.name == "outbox"

    def test_rebind_outbox_model_defines_the_table_in_your_metadata(self) -> None:
        class Base:
            metadata = MetaData()

        table = rebind_outbox_model(Base, "my_outbox")
        assert Base.metadata.tables["my_outbox"] is table
        assert outbox_table("my_outbox", Base.metadata) is table

    def test_rebind_outbox_model_names_what_it_needs(self) -> None:
        with pytest.raises(OutboxConfigurationError, match="MetaData or a declarative base"):
            rebind_outbox_model(object(), "t")

    async def test_claim_index_exists(self, database: Database) -> None:
        def index_names(conn: Any) -> set[str]:
            return {ix["name"] for ix in inspect(conn).get_indexes(database.outbox.name)}

        async with database.engine.connect() as conn:
            names = await conn.run_sync(index_names)
        table = database.outbox.name
        if database.backend == "mariadb":  # no partial indexes
            assert {f"ix_{table}_due"} <= names
        else:  # partial indexes: a new row costs one entry, in the open rows' index
            assert {f"ix_{table}_open", f"ix_{table}_dead"} <= names
            assert f"ix_{table}_due" not in names

    async def test_claims_are_hot_updates_on_postgresql(self, database: Database) -> None:
        """The table keeps room in its pages (fillfactor), so a claim, which changes
        no indexed column, writes no index entry: PostgreSQL counts it as a HOT update."""
        if database.backend != "postgresql":
            pytest.skip("fillfactor and HOT updates are PostgreSQL's")
        name = database.outbox.name
        async with database.engine.connect() as conn:
            options = (
                await conn.execute(
                    text("SELECT reloptions FROM pg_class WHERE relname = :t"), {"t": name}
                )
            ).scalar_one()
        assert f"fillfactor={OUTBOX_FILLFACTOR}" in options
        engine = create_async_engine(database.url)
        try:
            async with AsyncSession(engine) as session:
                outbox = SqlAlchemyOutboxedEventRepository(session, table=database.outbox)
                for n in range(200):
                    outbox.add(_event(n))
                await outbox.commit()
                assert len(await outbox.claim_batch(200, lease=LEASE)) == 200
        finally:
            await engine.dispose()  # its backend exits, which flushes its statistics
        hot = await _statistic(
            database, "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = :i", name, 200
        )
        assert hot == 200, f"{hot} of 200 claims were HOT updates"

    async def test_dead_letters_use_the_dead_rows_index_on_postgresql(
        self, database: Database
    ) -> None:
        if database.backend != "postgresql":
            pytest.skip("the partial index plan is PostgreSQL's")
        name = database.outbox.name
        async with database.engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            result = await conn.execute(
                text(f"EXPLAIN SELECT * FROM {name} WHERE status = 'dead' ORDER BY id LIMIT 100")
            )
            plan = result.scalars().all()
        assert any(f"ix_{name}_dead" in line for line in plan), plan

    async def test_claim_query_uses_the_open_rows_index_on_postgresql(
        self, database: Database
    ) -> None:
        if database.backend != "postgresql":
            pytest.skip("the partial index plan is PostgreSQL's")
        name = database.outbox.name
        async with database.engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            plan = (
                (
                    await conn.execute(
                        text(
                            f"EXPLAIN SELECT id FROM {name} WHERE status IN ('new', 'failed') "
                            "ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED"
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert any(f"ix_{name}_open" in line for line in plan), plan
