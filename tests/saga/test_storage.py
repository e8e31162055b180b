"""The shared saga storage conformance suite, on memory, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from cqrs.saga.storage.memory import MemorySagaStorage
from cqrs.saga.storage.protocol import ISagaRecoveryStorage
from cqrs.saga.testing import SagaRecoveryStorageConformance

from .conftest import Database


class TestMemorySagaStorage(SagaRecoveryStorageConformance):
    pytestmark = pytest.mark.anyio

    async def make_storage(self) -> ISagaRecoveryStorage:
        return MemorySagaStorage()


class TestSqlAlchemySagaStorage(SagaRecoveryStorageConformance):
    pytestmark = pytest.mark.anyio

    @pytest.fixture(autouse=True)
    def _on_database(self, saga_database: Database) -> None:
        self.database = saga_database

    async def make_storage(self) -> ISagaRecoveryStorage:
        return self.database.storage()
