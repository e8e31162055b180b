"""`SqlAlchemyOutboxedEventRepository`: the transactional outbox on SQLAlchemy 2 async."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import BindParameter, Table, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from cqrs.compressors.protocol import Compressor
from cqrs.events.event import INotificationEvent
from cqrs.outbox.exceptions import OutboxedEventNotFound
from cqrs.outbox.memory import utc_now
from cqrs.outbox.protocol import EventStatus, OutboxedEvent, OutboxedEventId
from cqrs.outbox.retry import RetryPolicy
from cqrs.outbox.sqlalchemy._rows import claimed_events, event_row, to_outboxed_event
from cqrs.outbox.sqlalchemy.claim import RelayStatements, id_in
from cqrs.outbox.sqlalchemy.exceptions import OutboxDatabaseError
from cqrs.outbox.sqlalchemy.notify import notify_channel
from cqrs.outbox.sqlalchemy.staging import NOTIFY, stage
from cqrs.outbox.sqlalchemy.tables import outbox_table

__all__ = ["SqlAlchemyOutboxedEventRepository"]

_OPEN = (EventStatus.NEW.value, EventStatus.FAILED.value)
# A literal, as in the partial index of dead rows (see claim.due for why).
_DEAD_LITERAL: BindParameter[str] = bindparam(
    "dead_status", EventStatus.DEAD.value, literal_execute=True
)
_MAX_ERROR = 2000  # characters of `last_error` kept
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


class SqlAlchemyOutboxedEventRepository:
    """An `OutboxedEventRepository` on the caller's `AsyncSession`.

    Writer side: `add(event)` stages a row in `session`; it is inserted when the
    session commits (`await repository.commit()` or your own `session.commit()`),
    in the same transaction as your other changes, and dropped on rollback.

    Relay side: every call runs and commits its own short transaction on
    `session` (give each relay its own session). On PostgreSQL, `claim_batch`
    and `mark_produced` are single statements and run in autocommit (one round
    trip each, no BEGIN/COMMIT) when the session is bound to an engine and has
    no transaction open. A
    database error rolls the session back and raises `OutboxDatabaseError`;
    the session stays usable.

    `table` is a `Table` (see `rebind_outbox_model`) or a table name; by default
    `$OUTBOX_SQLA_TABLE` or `"outbox"`, read now. `compressor` (e.g. the core's
    `ZlibCompressor`) compresses payloads; rows written without one stay readable.
    `now` is the clock (timezone-aware UTC); `max_attempts`, `backoff_base` and
    `backoff_max` make the `RetryPolicy`.

    `notify=True` (PostgreSQL; ignored elsewhere) also sends `NOTIFY` on the
    table's channel (`notify_channel(table)`) in each transaction that commits
    rows or requeues dead ones, so relays with an `OutboxListener` wake at once
    instead of at their next poll. It is off by default: PostgreSQL serialises
    the commits of notifying transactions, which costs writers that do not need it.
    """

    def __init__(
        self,
        session: AsyncSession,
        compressor: Compressor | None = None,
        *,
        table: Table | str | None = None,
        now: Callable[[], datetime] = utc_now,
        max_attempts: int = 5,
        backoff_base: timedelta = timedelta(seconds=5),
        backoff_max: timedelta = timedelta(minutes=5),
        notify: bool = False,
    ) -> None:
        self.session: AsyncSession = session
        self.compressor: Compressor | None = compressor
        self.table: Table = table if isinstance(table, Table) else outbox_table(table)
        self.retry: RetryPolicy = RetryPolicy(max_attempts, backoff_base, backoff_max)
        self._now = now
        self.notify: str | None = notify_channel(self.table) if notify else None
        self._relay: RelayStatements | None = None

    # -- writer side -----------------------------------------------------------------------

    def add(self, event: INotificationEvent[Any]) -> None:
        """Stage `event` in the session; its `to_dict()` is checked and encoded now."""
        row = event_row(event, self.compressor, self._now())
        stage(self.session.sync_session, self.table, row, self.notify)

    async def commit(self) -> None:
        """Commit the session: the staged rows and the caller's changes, together."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Roll the session back: the staged rows and the caller's changes are dropped."""
        await self.session.rollback()

    # -- relay side ------------------------------------------------------------------------

    async def claim_batch(self, limit: int, *, lease: timedelta) -> list[OutboxedEvent]:
        """Lease up to `limit` due rows, oldest first, until `now + lease`; commit."""
        if limit < 1:
            return []
        now = self._now()
        until = now + lease
        try:
            statements = self._statements()
            conn = await self._relay_connection(statements.dialect)
            rows = await statements.claim_rows(conn, limit, now, until)
            await self.session.commit()
        except SQLAlchemyError as exc:
            await self._failed(exc, "claim a batch")
        return claimed_events(rows, self.compressor, until)

    async def mark_produced(self, ids: Sequence[OutboxedEventId]) -> None:
        """Mark the rows PRODUCED in one statement; unknown ids are ignored."""
        ids = _row_ids(ids)
        if not ids:
            return
        try:
            statements = self._statements()
            conn = await self._relay_connection(statements.dialect)
            await statements.mark_produced(conn, ids, self._now())
            await self.session.commit()
        except SQLAlchemyError as exc:
            await self._failed(exc, "mark rows produced")

    async def mark_failed(self, id: OutboxedEventId, error: str) -> EventStatus:
        """Record a failed send: FAILED with backoff, or DEAD at `max_attempts`."""
        table, session = self.table, self.session
        row_id = id if _row_ids([id]) else None
        try:
            found = None
            if row_id is not None:
                query = select(table.c.status, table.c.attempts).where(table.c.id == row_id)
                found = (await session.execute(query.with_for_update())).first()
            if found is None:
                await session.rollback()
                raise OutboxedEventNotFound(
                    f"no outbox row with id {id!r} in table {table.name!r}: "
                    "pass an id returned by claim_batch"
                )
            status = EventStatus(found.status)
            if status.value not in _OPEN:
                await session.commit()
                return status
            attempts = found.attempts + 1
            now = self._now()
            if self.retry.exhausted(attempts):
                status, due = EventStatus.DEAD, None
            else:
                status, due = EventStatus.FAILED, now + self.retry.delay(attempts)
            await session.execute(
                update(table)
                .where(table.c.id == row_id)
                .values(
                    status=status.value,
                    attempts=attempts,
                    next_attempt_at=due,
                    last_error=error[:_MAX_ERROR],
                    updated_at=now,
                )
            )
            await session.commit()
        except SQLAlchemyError as exc:
            await self._failed(exc, f"mark row {id!r} failed")
        return status

    async def release(self, ids: Sequence[OutboxedEventId]) -> None:
        """Make claimed, unsent rows due now (attempts unchanged)."""
        ids = _row_ids(ids)
        if not ids:
            return
        table, now = self.table, self._now()
        stmt = (
            update(table)
            .where(id_in(table, ids, self._dialect()), table.c.status.in_(_OPEN))
            .values(next_attempt_at=now, updated_at=now)
        )
        await self._write(stmt, "release rows")

    async def dead_letters(self, limit: int = 100) -> list[OutboxedEvent]:
        """Up to `limit` DEAD rows, oldest first."""
        table = self.table
        query = (
            select(table)
            # A literal, as in the partial index of dead rows (see claim.due).
            .where(
                table.c.status == bindparam("dead", EventStatus.DEAD.value, literal_execute=True)
            )
            .order_by(table.c.id)
            .limit(max(limit, 0))
        )
        try:
            rows = (await self.session.execute(query)).all()
            await self.session.commit()
        except SQLAlchemyError as exc:
            await self._failed(exc, "list dead letters")
        return [to_outboxed_event(row, self.compressor, row.next_attempt_at) for row in rows]

    async def requeue(self, ids: Sequence[OutboxedEventId]) -> int:
        """Move DEAD rows back to NEW (attempts reset, due now); return how many moved."""
        ids = _row_ids(ids)
        if not ids:
            return 0
        table = self.table
        stmt = (
            update(table)
            .where(id_in(table, ids, self._dialect()), table.c.status == EventStatus.DEAD.value)
            .values(
                status=EventStatus.NEW.value,
                attempts=0,
                next_attempt_at=None,
                updated_at=self._now(),
            )
        )
        return await self._write(stmt, "requeue rows", wake=True)

    # -- helpers ---------------------------------------------------------------------------

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _statements(self) -> RelayStatements:
        statements = self._relay
        if statements is None:
            statements = self._relay = RelayStatements(self.table, self._dialect())
        return statements

    async def _relay_connection(self, dialect: str) -> AsyncConnection:
        # A single statement needs no transaction of its own: on PostgreSQL run it in
        # autocommit on a connection of the session's engine, unless the caller left a
        # transaction open (then it joins it). A session bound to a connection is left
        # alone: that connection may carry an outer transaction of the caller's.
        session = self.session
        if (
            dialect == "postgresql"
            and isinstance(session.bind, AsyncEngine)
            and not session.in_transaction()
        ):
            return await session.connection(execution_options=_AUTOCOMMIT)
        return await session.connection()

    async def _write(self, stmt: Any, what: str, *, wake: bool = False) -> int:
        """Run `stmt` and commit; with `wake`, notify the listeners of rows now due."""
        try:
            result = await self.session.execute(stmt)
            if wake and self.notify is not None and self._dialect() == "postgresql":
                await self.session.execute(NOTIFY, {"channel": self.notify})
            await self.session.commit()
        except SQLAlchemyError as exc:
            await self._failed(exc, what)
        return int(getattr(result, "rowcount", 0))

    async def _failed(self, exc: SQLAlchemyError, what: str) -> NoReturn:
        # Roll back so the session can serve the next call; a dropped connection
        # is invalidated by SQLAlchemy and replaced on the next checkout.
        with contextlib.suppress(SQLAlchemyError):
            await self.session.rollback()
        raise OutboxDatabaseError(
            f"could not {what} in outbox table {self.table.name!r}: {type(exc).__name__}: "
            f"{exc}. The session was rolled back; retry, and check the database connection"
        ) from exc


def _row_ids(ids: Sequence[OutboxedEventId]) -> list[int]:
    # Row ids are integers here; any other value cannot name a row.
    return [row_id for row_id in ids if isinstance(row_id, int) and not isinstance(row_id, bool)]
