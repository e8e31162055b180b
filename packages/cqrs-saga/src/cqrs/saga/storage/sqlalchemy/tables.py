"""The saga tables: definitions, default names, DDL, and `create_tables`.

Two SQLAlchemy Core tables, in this module's `metadata` by default or in yours
(for Alembic: `saga_tables(target=Base.metadata)`). On PostgreSQL::

    CREATE TABLE saga_executions (
        saga_id           UUID PRIMARY KEY,
        name              VARCHAR(255) NOT NULL,     -- Saga.name
        fingerprint       VARCHAR(64) NOT NULL,      -- hash of the step list
        status            VARCHAR(16) NOT NULL,      -- running | compensating | completed
                                                     -- | compensated | failed
        context           TEXT NOT NULL,             -- context.to_dict() as JSON
        version           INTEGER NOT NULL,          -- optimistic versioning
        recovery_attempts INTEGER NOT NULL,          -- claims by recovery workers
        lease_until       TIMESTAMPTZ,               -- a recovery worker holds it until then
        created_at        TIMESTAMPTZ NOT NULL,
        updated_at        TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX ix_saga_executions_recovery ON saga_executions (status, updated_at);
    CREATE TABLE saga_logs (
        id         BIGSERIAL PRIMARY KEY,            -- logging order
        saga_id    UUID NOT NULL,
        step_name  VARCHAR(255) NOT NULL,
        action     VARCHAR(16) NOT NULL,             -- act | compensate
        status     VARCHAR(16) NOT NULL,             -- completed | failed
        details    TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX ix_saga_logs_saga ON saga_logs (saga_id, id);

`ix_<executions>_recovery` serves the recovery queries (status filter, oldest
update first); `ix_<logs>_saga` reads one saga's history in order. MySQL and
MariaDB store `DATETIME(6)` (UTC), `LONGTEXT` and `CHAR(32)` ids; SQLite text.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from cqrs.saga.storage.sqlalchemy._types import JsonText, UtcDateTime

__all__ = [
    "DEFAULT_EXECUTION_TABLE",
    "DEFAULT_LOG_TABLE",
    "EXECUTION_TABLE_ENV",
    "LOG_TABLE_ENV",
    "SagaTables",
    "create_tables",
    "metadata",
    "saga_tables",
]

#: Environment variables naming the tables (python-cqrs's), read when tables are defined.
EXECUTION_TABLE_ENV: str = "CQRS_SAGA_EXECUTION_TABLE_NAME"
LOG_TABLE_ENV: str = "CQRS_SAGA_LOG_TABLE_NAME"
DEFAULT_EXECUTION_TABLE: str = "saga_executions"
DEFAULT_LOG_TABLE: str = "saga_logs"

#: The metadata of the tables defined without a `target`; give it to Alembic, or use your own.
metadata: MetaData = MetaData()

# SQLite autoincrements only an INTEGER PRIMARY KEY.
_RowId = BigInteger().with_variant(Integer(), "sqlite")


class SagaTables(NamedTuple):
    """The two tables of one saga storage."""

    executions: Table
    logs: Table


def saga_tables(
    execution_table: str | None = None,
    log_table: str | None = None,
    target: MetaData | None = None,
) -> SagaTables:
    """The saga tables called `execution_table` / `log_table` in `target`.

    Names default to `$CQRS_SAGA_EXECUTION_TABLE_NAME` / `$CQRS_SAGA_LOG_TABLE_NAME`
    when set (read now, not at import), else `saga_executions` / `saga_logs`;
    `target` defaults to this module's `metadata`. Asking twice for one name in
    one metadata returns the same `Table`.
    """
    target = metadata if target is None else target
    execution_name = (
        execution_table or os.environ.get(EXECUTION_TABLE_ENV) or (DEFAULT_EXECUTION_TABLE)
    )
    log_name = log_table or os.environ.get(LOG_TABLE_ENV) or DEFAULT_LOG_TABLE
    return SagaTables(_executions(execution_name, target), _logs(log_name, target))


def _executions(name: str, target: MetaData) -> Table:
    existing = target.tables.get(name)
    if existing is not None:
        return existing
    table = Table(
        name,
        target,
        Column("saga_id", Uuid(), nullable=False),
        Column("name", String(255), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("context", JsonText, nullable=False),
        Column("version", Integer(), nullable=False),
        Column("recovery_attempts", Integer(), nullable=False),
        Column("lease_until", UtcDateTime()),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("saga_id", name=f"pk_{name}"),
    )
    Index(f"ix_{name}_recovery", table.c.status, table.c.updated_at)
    return table


def _logs(name: str, target: MetaData) -> Table:
    existing = target.tables.get(name)
    if existing is not None:
        return existing
    table = Table(
        name,
        target,
        Column("id", _RowId, autoincrement=True),
        Column("saga_id", Uuid(), nullable=False),
        Column("step_name", String(255), nullable=False),
        Column("action", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("details", Text(), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    Index(f"ix_{name}_saga", table.c.saga_id, table.c.id)
    return table


async def create_tables(engine: AsyncEngine, *tables: Table) -> None:
    """Create `tables` (default: `saga_tables()`) and their indexes, if they do not exist."""
    chosen = list(tables) or list(saga_tables())
    async with engine.begin() as conn:
        for table in chosen:
            await conn.run_sync(table.create, checkfirst=True)
