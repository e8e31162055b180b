"""Fixtures of the SQL saga storage tests: one real database per backend.

As in tests/outbox (DESIGN §5): DSNs come from `CQRS_TEST_POSTGRES_DSN` (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test) and `CQRS_TEST_MYSQL_DSN`
(default mysql+asyncmy://root@127.0.0.1:3306/test); SQLite is a file under
tmp_path, or `:memory:` on one shared connection. Each test gets saga tables of
its own (random names), dropped afterwards, because other runs share the
servers. An unreachable server skips the test with the reason, unless
`CQRS_REQUIRE_SERVICES=1`, where it fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from cqrs.saga.storage.sqlalchemy import (
    SagaTables,
    SqlAlchemySagaStorage,
    create_tables,
    saga_tables,
)

POSTGRES_DSN = os.environ.get(
    "CQRS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MYSQL_DSN = os.environ.get("CQRS_TEST_MYSQL_DSN", "mysql+asyncmy://root@127.0.0.1:3306/test")
BACKENDS = ["sqlite-file", "sqlite-memory", "postgresql", "mariadb"]


def unavailable(reason: str) -> None:
    """Skip with `reason`, or fail under `CQRS_REQUIRE_SERVICES=1`."""
    if os.environ.get("CQRS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CQRS_REQUIRE_SERVICES=1: services are required)")
    pytest.skip(reason)


def server_url(backend: str, tmp_path: Path) -> str:
    """The URL of `backend`, after checking that its server accepts connections."""
    if backend == "sqlite-file":
        return f"sqlite+aiosqlite:///{tmp_path / 'sagas.db'}"
    if backend == "sqlite-memory":
        return "sqlite+aiosqlite://"
    dsn, env = (
        (POSTGRES_DSN, "CQRS_TEST_POSTGRES_DSN")
        if backend == "postgresql"
        else (MYSQL_DSN, "CQRS_TEST_MYSQL_DSN")
    )
    url = make_url(dsn)
    try:
        socket.create_connection((url.host or "127.0.0.1", url.port or 0), timeout=1).close()
    except OSError as exc:
        unavailable(
            f"{backend} at {url.host}:{url.port} is unreachable ({exc}); start it or set {env}"
        )
    return dsn


def new_engine(backend: str, url: str) -> AsyncEngine:
    """An engine for `url`; `:memory:` SQLite keeps its one connection (StaticPool)."""
    if backend == "sqlite-memory":
        return create_async_engine(url, poolclass=StaticPool)
    return create_async_engine(url)


@dataclasses.dataclass
class Database:
    """A live database with saga tables of this test alone."""

    backend: str
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: SagaTables

    def storage(self) -> SqlAlchemySagaStorage:
        """A storage on this test's tables."""
        return SqlAlchemySagaStorage(self.sessions, *self.tables)


@contextlib.asynccontextmanager
async def open_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """Saga tables of their own on `backend`, dropped on exit."""
    url = server_url(backend, tmp_path)
    engine = new_engine(backend, url)
    metadata = MetaData()
    suffix = uuid.uuid4().hex[:12]
    tables = saga_tables(f"t_saga_exec_{suffix}", f"t_saga_log_{suffix}", metadata)
    await create_tables(engine, *tables)
    try:
        yield Database(
            backend, url, engine, async_sessionmaker(engine, expire_on_commit=False), tables
        )
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def saga_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture(params=["sqlite-file", "postgresql", "mariadb"])
async def shared_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Database]:
    """A database that several engines (or processes) can open: no `:memory:`."""
    async with open_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
async def postgres_database(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database("postgresql", tmp_path) as database:
        yield database
