"""Fixtures of the cqrs-outbox-sqlalchemy tests: one real database per backend.

DESIGN §5: DSNs come from `CQRS_TEST_POSTGRES_DSN` (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test) and `CQRS_TEST_MYSQL_DSN`
(default mysql+asyncmy://root@127.0.0.1:3306/test); SQLite is a file under
tmp_path. Each test gets tables of its own (random names), dropped afterwards,
because other test runs share the servers. An unreachable server skips the test
with the reason, unless `CQRS_REQUIRE_SERVICES=1`, where it fails.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from cqrs.outbox.sqlalchemy import create_tables, inbox_table, outbox_table

POSTGRES_DSN = os.environ.get(
    "CQRS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MYSQL_DSN = os.environ.get("CQRS_TEST_MYSQL_DSN", "mysql+asyncmy://root@127.0.0.1:3306/test")
BACKENDS = ["sqlite", "postgresql", "mariadb"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CQRS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CQRS_REQUIRE_SERVICES=1: services are required)")
    pytest.skip(reason)


def server_url(backend: str, tmp_path: Path) -> str:
    """The URL of `backend`, after checking that its server accepts connections."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
    dsn, env = (
        (POSTGRES_DSN, "CQRS_TEST_POSTGRES_DSN")
        if backend == "postgresql"
        else (MYSQL_DSN, "CQRS_TEST_MYSQL_DSN")
    )
    url = make_url(dsn)
    try:
        socket.create_connection((url.host or "127.0.0.1", url.port or 0), timeout=1).close()
    except OSError as exc:
        _unavailable(
            f"{backend} at {url.host}:{url.port} is unreachable ({exc}); start it or set {env}"
        )
    return dsn


@dataclasses.dataclass
class Database:
    """A live database with an outbox and an inbox table of this test alone."""

    backend: str
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Table
    inbox: Table


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = server_url(request.param, tmp_path)
    engine = create_async_engine(url)
    metadata = MetaData()
    suffix = uuid.uuid4().hex[:12]
    outbox = outbox_table(f"t_outbox_{suffix}", metadata)
    inbox = inbox_table(f"t_inbox_{suffix}", metadata)
    await create_tables(engine, outbox, inbox)
    yield Database(
        request.param,
        url,
        engine,
        async_sessionmaker(engine, expire_on_commit=False),
        outbox,
        inbox,
    )
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await engine.dispose()


class SessionPerCall:
    """Mixin of the conformance subclasses: `new_session()` on the test's database, closed after."""

    database: Database
    open_sessions: list[AsyncSession]

    @pytest.fixture(autouse=True)
    async def _on_database(self, database: Database) -> AsyncIterator[None]:
        self.database = database
        self.open_sessions = []
        yield
        for session in self.open_sessions:
            await session.close()

    def new_session(self) -> AsyncSession:
        session = self.database.sessions()
        self.open_sessions.append(session)
        return session


@pytest.fixture
async def orders(database: Database) -> AsyncIterator[Table]:
    """An application table of this test, to commit or roll back with the outbox."""
    table = Table(
        f"t_orders_{uuid.uuid4().hex[:12]}",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(50)),
    )
    await create_tables(database.engine, table)
    yield table
    async with database.engine.begin() as conn:
        await conn.run_sync(table.drop)
