"""The relay's statements, one claim query per dialect, built once per table.

- PostgreSQL: one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`.
- MySQL/MariaDB: `SELECT … FOR UPDATE SKIP LOCKED` then `UPDATE … WHERE id IN (…)`
  in the same transaction (MariaDB has no `UPDATE … RETURNING`, MySQL no LIMIT in
  an `IN` subquery).
- SQLite: one `UPDATE … WHERE id IN (SELECT … LIMIT) RETURNING`; SQLite runs one
  writer at a time, so the statement is atomic without SKIP LOCKED.

The claim returns the `CLAIMED` columns only, in that order, so a row unpacks
positionally into an `OutboxedEvent` (see `_rows.claimed_events`). The statements
take their values as named parameters (`now`, `until`, `limit`, `ids`), so a
`RelayStatements` is built once per repository and every call reuses it (and
SQLAlchemy's compiled cache hits without rebuilding the statement).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Row,
    Table,
    and_,
    any_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from cqrs.outbox.protocol import EventStatus

__all__ = ["CLAIMED", "RelayStatements", "due", "id_in"]

_OPEN = (EventStatus.NEW.value, EventStatus.FAILED.value)

#: The columns a claim returns, in this order (what an `OutboxedEvent` needs).
CLAIMED = (
    "id",
    "event_id",
    "event_name",
    "topic",
    "message_key",
    "payload",
    "status",
    "attempts",
    "last_error",
    "created_at",
)


def due(table: Table, now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """The predicate of a due row: open (NEW or FAILED) and not leased or waiting."""
    return and_(
        # The statuses are rendered as literals, never bound: PostgreSQL uses the partial
        # index of open rows only for a query whose predicate visibly implies the index's
        # (a prepared statement's generic plan cannot see through `IN ($4, $5)`).
        table.c.status.in_(bindparam("open_statuses", _OPEN, expanding=True, literal_execute=True)),
        or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
    )


def id_in(table: Table, ids: list[int] | None, dialect: str) -> ColumnElement[bool]:
    """`id IN (...)`; on PostgreSQL `id = ANY(:ids)`, one array parameter for any batch size.

    With `ids=None` the parameter `ids` is left for execution time.
    """
    if dialect == "postgresql":
        return table.c.id == any_(bindparam("ids", ids, type_=postgresql.ARRAY(BigInteger())))
    if ids is None:
        return table.c.id.in_(bindparam("ids", expanding=True))
    return table.c.id.in_(ids)


class RelayStatements:
    """The claim and mark-produced statements of one table on one dialect."""

    __slots__ = ("_lock", "_pick", "claim", "dialect", "produced", "table")

    def __init__(self, table: Table, dialect: str) -> None:
        self.table: Table = table
        self.dialect: str = dialect
        now = bindparam("now", type_=table.c.updated_at.type)
        until = bindparam("until", type_=table.c.next_attempt_at.type)
        limit = bindparam("limit", type_=Integer())
        columns = [table.c[name] for name in CLAIMED]
        leased = {"next_attempt_at": until, "updated_at": now}
        picked = select(table.c.id).where(due(table, now)).order_by(table.c.id).limit(limit)
        self._pick: Any = None
        self._lock: Any = None
        if dialect in ("mysql", "mariadb"):
            self._pick = (
                select(*columns)
                .where(due(table, now))
                .order_by(table.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            self._lock = update(table).where(id_in(table, None, dialect)).values(**leased)
            self.claim: Any = None
        else:
            if dialect == "postgresql":
                picked = picked.with_for_update(skip_locked=True)
            self.claim = (
                update(table)
                .where(table.c.id.in_(picked.scalar_subquery()))
                .values(**leased)
                .returning(*columns)
            )
        self.produced: Any = (
            update(table)
            .where(id_in(table, None, dialect))
            .values(status=EventStatus.PRODUCED.value, next_attempt_at=None, updated_at=now)
        )

    async def claim_rows(
        self, conn: AsyncConnection, limit: int, now: datetime, until: datetime
    ) -> Sequence[Row[Any]]:
        """Lease up to `limit` due rows until `until`; the `CLAIMED` columns, in id order."""
        params = {"now": now, "until": until, "limit": limit}
        if self.claim is None:  # MySQL/MariaDB: lock, then lease, in the caller's transaction
            rows = (await conn.execute(self._pick, params)).all()
            if rows:
                await conn.execute(self._lock, {**params, "ids": [row[0] for row in rows]})
            return rows
        rows = (await conn.execute(self.claim, params)).all()
        # RETURNING follows no ORDER BY: restore the oldest-first order.
        return sorted(rows, key=_row_id)

    async def mark_produced(self, conn: AsyncConnection, ids: list[int], now: datetime) -> None:
        """Mark rows `ids` PRODUCED in one statement."""
        await conn.execute(self.produced, {"ids": ids, "now": now})


def _row_id(row: Row[Any]) -> Any:
    return row[0]
