"""The shared outbox conformance suite on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cqrs.outbox import OutboxedEventRepository
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository
from cqrs.testing import OutboxRepositoryConformance

from .conftest import Database


class TestSqlAlchemyOutboxConformance(OutboxRepositoryConformance):
    pytestmark = pytest.mark.anyio

    @pytest.fixture(autouse=True)
    async def _on_database(self, database: Database) -> AsyncIterator[None]:
        self.database = database
        self.open_sessions: list[AsyncSession] = []
        yield
        for session in self.open_sessions:
            await session.close()

    async def make_repository(self, **settings: Any) -> OutboxedEventRepository:
        session = self.database.sessions()
        self.open_sessions.append(session)
        return SqlAlchemyOutboxedEventRepository(session, table=self.database.outbox, **settings)
