"""The recovery claim, one query shape per dialect: lease sagas that need recovery.

- PostgreSQL: `UPDATE … WHERE saga_id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`;
- MySQL/MariaDB: `SELECT … FOR UPDATE SKIP LOCKED`, then `UPDATE … WHERE saga_id IN (…)`
  in the same transaction (MariaDB has no `UPDATE … RETURNING`);
- SQLite: `UPDATE … WHERE saga_id IN (SELECT … LIMIT) RETURNING`; SQLite runs one
  writer at a time, so the one statement is atomic and the lease column alone
  keeps a second worker away.

The lease is committed by the caller before any saga is recovered, so the row
is not locked while its steps run (the engine's own writes would wait on it).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from cqrs.saga.models import SagaStatus

__all__ = ["claim_sagas"]

_IN_PROGRESS = (SagaStatus.RUNNING.value, SagaStatus.COMPENSATING.value)


def _due(
    table: Table,
    now: datetime,
    stale_before: datetime,
    max_attempts: int,
    saga_names: frozenset[str] | None,
) -> ColumnElement[bool]:
    c = table.c
    condition = and_(
        or_(c.lease_until.is_(None), c.lease_until <= now),
        c.recovery_attempts < max_attempts,
        or_(
            c.status == SagaStatus.FAILED.value,
            and_(c.status.in_(_IN_PROGRESS), c.updated_at <= stale_before),
        ),
    )
    if saga_names is not None:
        condition = and_(condition, c.name.in_(sorted(saga_names)))
    return condition


async def claim_sagas(
    session: AsyncSession,
    table: Table,
    limit: int,
    *,
    now: datetime,
    stale_before: datetime,
    lease_until: datetime,
    max_attempts: int,
    saga_names: frozenset[str] | None,
) -> list[tuple[uuid.UUID, str, int]]:
    """Lease up to `limit` due sagas: `(saga_id, name, attempts with this one)`, oldest first."""
    c = table.c
    due = _due(table, now, stale_before, max_attempts, saga_names)
    values = {"lease_until": lease_until, "recovery_attempts": c.recovery_attempts + 1}
    dialect = session.get_bind().dialect.name
    if dialect in ("mysql", "mariadb"):
        picked = (
            await session.execute(
                select(c.saga_id, c.name, c.recovery_attempts, c.updated_at)
                .where(due)
                .order_by(c.updated_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if picked:
            ids = [row.saga_id for row in picked]
            await session.execute(update(table).where(c.saga_id.in_(ids)).values(**values))
        # Selected before the update: the attempt being claimed is one more.
        return [(row.saga_id, row.name, row.recovery_attempts + 1) for row in picked]
    chosen = select(c.saga_id).where(due).order_by(c.updated_at).limit(limit)
    if dialect == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    stmt = (
        update(table)
        .where(c.saga_id.in_(chosen.scalar_subquery()))
        .values(**values)
        .returning(c.saga_id, c.name, c.recovery_attempts, c.updated_at)
    )
    rows = (await session.execute(stmt)).all()
    # RETURNING follows no ORDER BY: restore the oldest-first order.
    return [
        (row.saga_id, row.name, row.recovery_attempts)
        for row in sorted(rows, key=lambda row: row.updated_at)
    ]
