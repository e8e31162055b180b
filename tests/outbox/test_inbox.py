"""The SQL inbox passes the shared inbox conformance suite on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from cqrs.inbox import InboxRepository
from cqrs.outbox.sqlalchemy import SqlAlchemyInboxRepository
from cqrs.testing import InboxRepositoryConformance

from .conftest import SessionPerCall


class TestSqlAlchemyInboxConformance(SessionPerCall, InboxRepositoryConformance):
    pytestmark = pytest.mark.anyio

    async def make_inbox(self) -> InboxRepository:
        return SqlAlchemyInboxRepository(self.new_session(), table=self.database.inbox)
