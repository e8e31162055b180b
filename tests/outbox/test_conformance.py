"""The shared outbox conformance suite on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from typing import Any

import pytest

from cqrs.outbox import OutboxedEventRepository
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository
from cqrs.testing import OutboxRepositoryConformance

from .conftest import SessionPerCall


class TestSqlAlchemyOutboxConformance(SessionPerCall, OutboxRepositoryConformance):
    pytestmark = pytest.mark.anyio

    async def make_repository(self, **settings: Any) -> OutboxedEventRepository:
        return SqlAlchemyOutboxedEventRepository(
            self.new_session(), table=self.database.outbox, **settings
        )
