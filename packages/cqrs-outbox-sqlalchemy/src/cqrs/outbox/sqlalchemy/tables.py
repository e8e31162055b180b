"""The outbox and inbox tables: definitions, names, DDL, and `create_tables`.

Both are SQLAlchemy Core `Table`s in `metadata` (or in your own `MetaData`, for
Alembic: `rebind_outbox_model(Base.metadata)`). The outbox table, on PostgreSQL::

    CREATE TABLE outbox (
        id              BIGSERIAL PRIMARY KEY,
        event_id        UUID NOT NULL UNIQUE,
        event_name      VARCHAR(255) NOT NULL,
        topic           VARCHAR(255) NOT NULL,
        message_key     VARCHAR(255),
        headers         TEXT,                    -- JSON object, or NULL
        payload         BYTEA NOT NULL,          -- to_dict() as JSON, maybe zlib-compressed
        status          VARCHAR(16) NOT NULL,    -- new | produced | failed | dead
        attempts        INTEGER NOT NULL,
        next_attempt_at TIMESTAMPTZ,             -- lease end, or retry time
        last_error      TEXT,
        created_at      TIMESTAMPTZ NOT NULL,
        updated_at      TIMESTAMPTZ NOT NULL
    ) WITH (fillfactor = 50);
    CREATE INDEX ix_outbox_open ON outbox (id) WHERE status IN ('new', 'failed');
    CREATE INDEX ix_outbox_dead ON outbox (id) WHERE status = 'dead';

The partial indexes (PostgreSQL and SQLite) let the claim query walk open rows,
and `dead-letters` dead rows, in id order however much produced history the
table keeps; a new row costs one entry in `ix_outbox_open` and none in
`ix_outbox_dead`. MySQL/MariaDB, which have no partial index, get
`CREATE INDEX ix_outbox_due ON outbox (status, next_attempt_at)` instead.

`fillfactor = 50` (PostgreSQL) leaves half of each page free when rows are
inserted, so the claim — which changes only the lease columns, none of them
indexed — can write the row's new version in the same page as a HOT update,
without an entry in any index. With full pages every claim is a cold update
that inserts into all three indexes (one relay in `bench/outbox_postgres.py`:
21,000 to 24,000 events/s at the default fillfactor, 25,000 to 33,000 at 50).
`create_tables` sets it with `ALTER TABLE … SET (fillfactor = 50)` right after
`CREATE TABLE`; a table created another way (Alembic, an older version of this
package) takes the same statement, which applies to the pages written from then on.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import (
    DDL,
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
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from cqrs.outbox.protocol import EventStatus
from cqrs.outbox.sqlalchemy._types import Payload, UtcDateTime
from cqrs.outbox.sqlalchemy.exceptions import OutboxConfigurationError

__all__ = [
    "DEFAULT_INBOX_TABLE",
    "DEFAULT_OUTBOX_TABLE",
    "OUTBOX_FILLFACTOR",
    "OUTBOX_TABLE_ENV",
    "create_tables",
    "default_outbox_table_name",
    "inbox_table",
    "metadata",
    "outbox_table",
    "rebind_outbox_model",
]

#: Environment variable naming the outbox table (python-cqrs's), read when a repository is built.
OUTBOX_TABLE_ENV: str = "OUTBOX_SQLA_TABLE"
DEFAULT_OUTBOX_TABLE: str = "outbox"
DEFAULT_INBOX_TABLE: str = "inbox"

#: The metadata of the default tables; import it into Alembic's `target_metadata`.
metadata: MetaData = MetaData()

_OPEN = (EventStatus.NEW.value, EventStatus.FAILED.value)
_PARTIAL_INDEXES = ("postgresql", "sqlite")
#: PostgreSQL fillfactor of the outbox table: room in each page for the claim's HOT update.
OUTBOX_FILLFACTOR: int = 50
# SQLite autoincrements only an INTEGER PRIMARY KEY.
_RowId = BigInteger().with_variant(Integer(), "sqlite")


def _has_partial_indexes(*args: Any, dialect: Dialect, **kwargs: Any) -> bool:
    """`ddl_if` callable: the dialect can create partial indexes."""
    return dialect.name in _PARTIAL_INDEXES


def _lacks_partial_indexes(*args: Any, dialect: Dialect, **kwargs: Any) -> bool:
    """`ddl_if` callable: the dialect cannot create partial indexes."""
    return dialect.name not in _PARTIAL_INDEXES


def default_outbox_table_name() -> str:
    """`$OUTBOX_SQLA_TABLE` when set and not empty, else `"outbox"`."""
    return os.environ.get(OUTBOX_TABLE_ENV) or DEFAULT_OUTBOX_TABLE


def outbox_table(name: str | None = None, target: MetaData | None = None) -> Table:
    """The outbox table called `name` (default: `default_outbox_table_name()`) in `target`.

    Asking twice for one name in one metadata returns the same `Table`.
    """
    name = name or default_outbox_table_name()
    target = metadata if target is None else target
    existing = target.tables.get(name)
    if existing is not None:
        return existing
    table = Table(
        name,
        target,
        Column("id", _RowId, autoincrement=True),
        Column("event_id", Uuid(), nullable=False, unique=True),
        Column("event_name", String(255), nullable=False),
        Column("topic", String(255), nullable=False),
        Column("message_key", String(255)),
        Column("headers", Text()),
        Column("payload", Payload, nullable=False),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer(), nullable=False),
        Column("next_attempt_at", UtcDateTime()),
        Column("last_error", Text()),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    Index(f"ix_{name}_due", table.c.status, table.c.next_attempt_at).ddl_if(
        callable_=_lacks_partial_indexes
    )
    Index(
        f"ix_{name}_open",
        table.c.id,
        postgresql_where=table.c.status.in_(_OPEN),
        sqlite_where=table.c.status.in_(_OPEN),
    ).ddl_if(callable_=_has_partial_indexes)
    dead = table.c.status == EventStatus.DEAD.value
    Index(f"ix_{name}_dead", table.c.id, postgresql_where=dead, sqlite_where=dead).ddl_if(
        callable_=_has_partial_indexes
    )
    # A DDL event rather than `postgresql_with` (SQLAlchemy 2.1+ only): see the module docs.
    fillfactor = DDL(  # type: ignore[no-untyped-call]  # SQLAlchemy leaves DDL() unannotated
        f"ALTER TABLE %(fullname)s SET (fillfactor = {OUTBOX_FILLFACTOR})"
    )
    event.listen(table, "after_create", fillfactor.execute_if(dialect="postgresql"))
    return table


def inbox_table(name: str = DEFAULT_INBOX_TABLE, target: MetaData | None = None) -> Table:
    """The inbox table called `name` in `target`: one row per (message id, consumer)."""
    target = metadata if target is None else target
    existing = target.tables.get(name)
    if existing is not None:
        return existing
    return Table(
        name,
        target,
        Column("message_id", String(64), nullable=False),
        Column("consumer", String(255), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("message_id", "consumer", name=f"pk_{name}"),
    )


def rebind_outbox_model(
    new_base: Any = None, table_name: str | None = None, *, inbox: bool = False
) -> Table:
    """Define the outbox table in your own metadata (for Alembic), as python-cqrs allows.

    `new_base` is a `MetaData` or a declarative base class (its `.metadata` is
    used); `table_name` defaults to `default_outbox_table_name()`. Pass the
    returned table to `SqlAlchemyOutboxedEventRepository(session, table=...)`.
    With `inbox=True` the inbox table (default name `"inbox"`) is defined instead.
    """
    target = new_base if new_base is None else getattr(new_base, "metadata", new_base)
    if not isinstance(target, MetaData) and target is not None:
        raise OutboxConfigurationError(
            f"rebind_outbox_model() needs a MetaData or a declarative base, got {new_base!r}"
        )
    if inbox:
        return inbox_table(table_name or DEFAULT_INBOX_TABLE, target)
    return outbox_table(table_name, target)


async def create_tables(engine: AsyncEngine, *tables: Table) -> None:
    """Create `tables` (default: the default outbox and inbox tables) if they do not exist."""
    chosen = list(tables) or [outbox_table(), inbox_table()]
    async with engine.begin() as conn:
        for table in chosen:
            await conn.run_sync(table.create, checkfirst=True)
