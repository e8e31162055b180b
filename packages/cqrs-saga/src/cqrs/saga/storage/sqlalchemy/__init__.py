"""SQL saga storage (the `cqrs-saga[sqlalchemy]` extra): storage, tables, DDL.

Needs SQLAlchemy 2 with a driver: `cqrs-saga[postgres]` (asyncpg),
`cqrs-saga[mysql]` (asyncmy) or `cqrs-saga[sqlite]` (aiosqlite).
"""

from __future__ import annotations

# First: without SQLAlchemy, fail here with the extras to install.
from cqrs.saga.storage.sqlalchemy import _require  # noqa: F401
from cqrs.saga.storage.sqlalchemy.storage import SqlAlchemySagaStorage
from cqrs.saga.storage.sqlalchemy.tables import (
    DEFAULT_EXECUTION_TABLE,
    DEFAULT_LOG_TABLE,
    EXECUTION_TABLE_ENV,
    LOG_TABLE_ENV,
    SagaTables,
    create_tables,
    metadata,
    saga_tables,
)

__all__ = [
    "DEFAULT_EXECUTION_TABLE",
    "DEFAULT_LOG_TABLE",
    "EXECUTION_TABLE_ENV",
    "LOG_TABLE_ENV",
    "SagaTables",
    "SqlAlchemySagaStorage",
    "create_tables",
    "metadata",
    "saga_tables",
]
