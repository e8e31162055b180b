"""The claim query, one per dialect: lease up to `limit` due rows, oldest first.

- PostgreSQL: one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`.
- MySQL/MariaDB: `SELECT … FOR UPDATE SKIP LOCKED` then `UPDATE … WHERE id IN (…)`
  in the same transaction (MariaDB has no `UPDATE … RETURNING`, MySQL no LIMIT in
  an `IN` subquery).
- SQLite: one `UPDATE … WHERE id IN (SELECT … LIMIT) RETURNING`; SQLite runs one
  writer at a time, so the statement is atomic without SKIP LOCKED.

Every variant leaves the transaction open: the repository commits it, so the
claim is visible to every other relay before a message is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from cqrs.outbox.protocol import EventStatus

__all__ = ["claim_rows", "due"]

_OPEN = (EventStatus.NEW.value, EventStatus.FAILED.value)


def due(table: Table, now: datetime) -> ColumnElement[bool]:
    """The predicate of a due row: open (NEW or FAILED) and not leased or waiting."""
    return and_(
        table.c.status.in_(_OPEN),
        or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
    )


async def claim_rows(
    session: AsyncSession, table: Table, limit: int, now: datetime, until: datetime
) -> Sequence[Row[Any]]:
    """Lease up to `limit` due rows until `until` and return them (all columns), in id order."""
    dialect = session.get_bind().dialect.name
    picked = select(table.c.id).where(due(table, now)).order_by(table.c.id).limit(limit)
    values = {"next_attempt_at": until, "updated_at": now}
    if dialect in ("mysql", "mariadb"):
        rows = (
            await session.execute(
                select(table)
                .where(due(table, now))
                .order_by(table.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if rows:
            ids = [row.id for row in rows]
            await session.execute(update(table).where(table.c.id.in_(ids)).values(**values))
        return rows
    if dialect == "postgresql":
        picked = picked.with_for_update(skip_locked=True)
    stmt = (
        update(table)
        .where(table.c.id.in_(picked.scalar_subquery()))
        .values(**values)
        .returning(*table.c)
    )
    rows = (await session.execute(stmt)).all()
    # RETURNING follows no ORDER BY: restore the oldest-first order.
    return sorted(rows, key=lambda row: row.id)
