"""The SQL saga tables: names from the environment, indexes created, Alembic metadata."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from sqlalchemy import MetaData, inspect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from cqrs.saga.exceptions import SagaStorageError
from cqrs.saga.storage.sqlalchemy import (
    EXECUTION_TABLE_ENV,
    LOG_TABLE_ENV,
    SqlAlchemySagaStorage,
    create_tables,
    metadata,
    saga_tables,
)

from .conftest import Database

pytestmark = pytest.mark.anyio


class TestTableNames:
    def test_the_defaults_are_saga_executions_and_saga_logs(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(EXECUTION_TABLE_ENV, raising=False)
        monkeypatch.delenv(LOG_TABLE_ENV, raising=False)
        storage = SqlAlchemySagaStorage(async_sessionmaker())
        assert [t.name for t in storage.tables] == ["saga_executions", "saga_logs"]

    def test_the_environment_names_the_tables_when_the_storage_is_built(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(EXECUTION_TABLE_ENV, "env_exec")
        monkeypatch.setenv(LOG_TABLE_ENV, "env_log")
        storage = SqlAlchemySagaStorage(async_sessionmaker())
        assert [t.name for t in storage.tables] == ["env_exec", "env_log"]
        assert {"env_exec", "env_log"} <= set(metadata.tables)

    def test_explicit_names_win_over_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(EXECUTION_TABLE_ENV, "env_exec")
        storage = SqlAlchemySagaStorage(async_sessionmaker(), "mine", "my_log")
        assert [t.name for t in storage.tables] == ["mine", "my_log"]

    def test_tables_can_live_in_the_applications_metadata(self) -> None:
        own = MetaData()
        tables = saga_tables("app_exec", "app_log", target=own)
        assert set(own.tables) == {"app_exec", "app_log"}
        assert saga_tables("app_exec", "app_log", target=own) == tables


class TestCreateTables:
    async def test_the_recovery_and_history_indexes_exist(self, saga_database: Database) -> None:
        executions, logs = saga_database.tables

        def indexes(conn: object) -> dict[str, list[list[str | None]]]:
            inspector = inspect(conn)
            return {
                name: [list(ix["column_names"]) for ix in inspector.get_indexes(name)]
                for name in (executions.name, logs.name)
            }

        async with saga_database.engine.connect() as conn:
            found = await conn.run_sync(indexes)
        assert ["status", "updated_at"] in found[executions.name]
        assert ["saga_id", "id"] in found[logs.name]

    async def test_create_tables_is_idempotent(self, saga_database: Database) -> None:
        await create_tables(saga_database.engine, *saga_database.tables)
        storage = saga_database.storage()
        await storage.create_saga(uuid.uuid4(), "Order", {})


class TestErrors:
    async def test_missing_tables_raise_a_storage_error_naming_them(self) -> None:
        engine = create_async_engine("sqlite+aiosqlite://")
        storage = SqlAlchemySagaStorage(async_sessionmaker(engine), "absent_exec", "absent_log")
        with pytest.raises(SagaStorageError, match=r"(?s)absent_exec.*create_tables"):
            await storage.create_saga(uuid.uuid4(), "Order", {})
        await engine.dispose()

    async def test_a_context_that_is_not_json_is_refused(self, saga_database: Database) -> None:
        storage = saga_database.storage()
        with pytest.raises(SagaStorageError, match="not JSON data"):
            await storage.create_saga(uuid.uuid4(), "Order", {"at": object()})


def test_without_sqlalchemy_the_import_error_names_the_extras() -> None:
    # A fresh interpreter where SQLAlchemy cannot be imported, as without the extra.
    code = (
        "import sys\n"
        "sys.modules['sqlalchemy'] = None\n"
        "try:\n"
        "    import cqrs.saga.storage.sqlalchemy\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc.name)\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    name, message = result.stdout.splitlines()
    assert name == "sqlalchemy"
    assert "pip install 'cqrs-saga[postgres]'" in message
    assert "'cqrs-saga[sqlalchemy]'" in message
