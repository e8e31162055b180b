"""`SqlAlchemySagaStorage`: saga state and step log in SQL (PostgreSQL, MySQL/MariaDB, SQLite)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cqrs.saga.exceptions import (
    SagaAlreadyExistsError,
    SagaConcurrencyError,
    SagaStorageError,
)
from cqrs.saga.models import SagaAction, SagaLogEntry, SagaStatus, SagaStepStatus
from cqrs.saga.storage.protocol import RECOVERABLE, SagaClaim, SagaRecord
from cqrs.saga.storage.sqlalchemy._rows import dumps, missing, record, rowcount
from cqrs.saga.storage.sqlalchemy.claim import claim_sagas
from cqrs.saga.storage.sqlalchemy.tables import SagaTables, saga_tables

__all__ = ["SqlAlchemySagaStorage"]

_ACT, _COMPLETED = SagaAction.ACT.value, SagaStepStatus.COMPLETED.value


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SqlAlchemySagaStorage:
    """An `ISagaRecoveryStorage` on SQLAlchemy 2 async: one short transaction per call.

    `session_factory` makes sessions (an `async_sessionmaker`); each storage call
    opens one, runs one transaction and commits, so a completed step costs one
    commit (context, log entry and, for the last step, status together).
    `execution_table` / `log_table` are `Table`s (see `saga_tables`) or names;
    by default `$CQRS_SAGA_EXECUTION_TABLE_NAME` / `$CQRS_SAGA_LOG_TABLE_NAME`,
    read now, else `saga_executions` / `saga_logs`. Create them with
    `create_tables(engine, *storage.tables)` or your migrations.

    SQLite: calls of one storage object run one at a time (SQLite has one writer,
    and a `:memory:` database shares one connection: build its engine with
    `poolclass=StaticPool`). A database error is raised as `SagaStorageError`.
    """

    def __init__(
        self,
        session_factory: Callable[[], AsyncSession],
        execution_table: Table | str | None = None,
        log_table: Table | str | None = None,
        *,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        if isinstance(execution_table, Table) and isinstance(log_table, Table):
            named = SagaTables(execution_table, log_table)  # defines nothing in `metadata`
        else:
            named = saga_tables(
                None if isinstance(execution_table, Table) else execution_table,
                None if isinstance(log_table, Table) else log_table,
            )
        self.executions: Table = (
            execution_table if isinstance(execution_table, Table) else named.executions
        )
        self.logs: Table = log_table if isinstance(log_table, Table) else named.logs
        self._sessions = session_factory
        self._now = now
        bind = getattr(session_factory, "kw", {}).get("bind")
        serial = isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite"
        self._lock: asyncio.Lock | None = asyncio.Lock() if serial else None

    @property
    def tables(self) -> tuple[Table, Table]:
        """`(executions, logs)`: the tables this storage reads and writes."""
        return self.executions, self.logs

    @contextlib.asynccontextmanager
    async def _transaction(
        self, what: str, conflict: Callable[[], Exception] | None = None
    ) -> AsyncIterator[AsyncSession]:
        lock = self._lock
        try:
            async with contextlib.AsyncExitStack() as stack:
                if lock is not None:
                    await stack.enter_async_context(lock)
                session = await stack.enter_async_context(self._sessions())
                await stack.enter_async_context(session.begin())
                yield session
        except SQLAlchemyError as exc:
            if conflict is not None and isinstance(exc, IntegrityError):
                raise conflict() from exc
            raise SagaStorageError(
                f"could not {what} in saga tables {self.executions.name!r}/{self.logs.name!r}: "
                f"{type(exc).__name__}: {exc}. Nothing of this call was stored; check the "
                "database connection and that the tables exist (create_tables), then retry"
            ) from exc

    async def create_saga(
        self,
        saga_id: uuid.UUID,
        name: str,
        context: dict[str, Any],
        *,
        fingerprint: str = "",
    ) -> None:
        """Store a new RUNNING saga at version 1; an existing id raises `SagaAlreadyExistsError`."""
        now = self._now()
        row = {
            "saga_id": saga_id,
            "name": name,
            "fingerprint": fingerprint,
            "status": SagaStatus.RUNNING.value,
            "context": dumps(saga_id, context),
            "version": 1,
            "recovery_attempts": 0,
            "lease_until": None,
            "created_at": now,
            "updated_at": now,
        }

        def exists() -> Exception:
            return SagaAlreadyExistsError(
                f"a saga with id {saga_id} already exists in table {self.executions.name!r}; "
                "use a new id (uuid.uuid4()) or resume the existing one with recover_saga"
            )

        async with self._transaction(f"create saga {saga_id}", exists) as session:
            await session.execute(insert(self.executions).values(row))

    async def update_context(
        self, saga_id: uuid.UUID, context: dict[str, Any], current_version: int | None = None
    ) -> None:
        """Replace the context and bump the version (checked when `current_version` is given)."""
        async with self._transaction(f"update the context of saga {saga_id}") as session:
            await self._write_context(session, saga_id, context, current_version, None)

    async def complete_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        context: dict[str, Any],
        current_version: int | None = None,
        *,
        status: SagaStatus | None = None,
    ) -> None:
        """Context (version checked), `act/completed` entry and `status`: one transaction."""
        async with self._transaction(f"complete step {step_name!r} of {saga_id}") as session:
            now = await self._write_context(session, saga_id, context, current_version, status)
            await session.execute(
                insert(self.logs).values(
                    saga_id=saga_id,
                    step_name=step_name,
                    action=_ACT,
                    status=_COMPLETED,
                    details="",
                    created_at=now,
                )
            )

    async def _write_context(
        self,
        session: AsyncSession,
        saga_id: uuid.UUID,
        context: dict[str, Any],
        expected: int | None,
        status: SagaStatus | None,
    ) -> datetime:
        c = self.executions.c
        now = self._now()
        values: dict[str, Any] = {
            "context": dumps(saga_id, context),
            "version": c.version + 1,
            "updated_at": now,
        }
        if status is not None:
            values["status"] = SagaStatus(status).value
        stmt = update(self.executions).where(c.saga_id == saga_id).values(values)
        if expected is not None:
            stmt = stmt.where(c.version == expected)
        if rowcount(await session.execute(stmt)) != 1:
            found = await session.scalar(select(c.version).where(c.saga_id == saga_id))
            if found is None:
                raise missing(saga_id)
            raise SagaConcurrencyError(
                f"saga {saga_id} is at version {found}, not {expected}: it was updated "
                "concurrently; reload it (load_saga_state) before updating"
            )
        return now

    async def update_status(self, saga_id: uuid.UUID, status: SagaStatus) -> None:
        """Set the saga's status."""
        c = self.executions.c
        stmt = (
            update(self.executions)
            .where(c.saga_id == saga_id)
            .values(status=SagaStatus(status).value, updated_at=self._now())
        )
        async with self._transaction(f"set the status of saga {saga_id}") as session:
            if rowcount(await session.execute(stmt)) != 1:
                raise missing(saga_id)

    async def log_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        action: SagaAction,
        status: SagaStepStatus,
        details: str = "",
    ) -> None:
        """Append one entry to the saga's step history (and mark the saga updated)."""
        c = self.executions.c
        now = self._now()
        touch = update(self.executions).where(c.saga_id == saga_id).values(updated_at=now)
        entry = insert(self.logs).values(
            saga_id=saga_id,
            step_name=step_name,
            action=SagaAction(action).value,
            status=SagaStepStatus(status).value,
            details=details,
            created_at=now,
        )
        async with self._transaction(f"log step {step_name!r} of {saga_id}") as session:
            if rowcount(await session.execute(touch)) != 1:
                raise missing(saga_id)
            await session.execute(entry)

    async def load_saga_state(self, saga_id: uuid.UUID) -> tuple[SagaStatus, dict[str, Any], int]:
        """`(status, context, version)` of the saga."""
        record = await self.load_saga(saga_id)
        return record.status, record.context, record.version

    async def load_saga(self, saga_id: uuid.UUID) -> SagaRecord:
        """The whole stored record of the saga."""
        query = select(self.executions).where(self.executions.c.saga_id == saga_id)
        async with self._transaction(f"load saga {saga_id}") as session:
            row = (await session.execute(query)).first()
        if row is None:
            raise missing(saga_id)
        return record(row)

    async def get_step_history(self, saga_id: uuid.UUID) -> list[SagaLogEntry]:
        """The saga's step log, oldest entry first."""
        logs = self.logs
        query = select(logs).where(logs.c.saga_id == saga_id).order_by(logs.c.id)
        known = select(self.executions.c.version).where(self.executions.c.saga_id == saga_id)
        async with self._transaction(f"read the history of saga {saga_id}") as session:
            rows = (await session.execute(query)).all()
            if not rows and await session.scalar(known) is None:
                raise missing(saga_id)
        return [
            SagaLogEntry(
                saga_id,
                row.step_name,
                SagaAction(row.action),
                SagaStepStatus(row.status),
                row.details,
                row.created_at,
            )
            for row in rows
        ]

    async def get_sagas_for_recovery(
        self, limit: int = 100, *, saga_name: str | None = None
    ) -> list[uuid.UUID]:
        """RUNNING, COMPENSATING and FAILED sagas (of `saga_name`, if given), oldest first."""
        c = self.executions.c
        query = select(c.saga_id).where(c.status.in_(sorted(s.value for s in RECOVERABLE)))
        if saga_name is not None:
            query = query.where(c.name == saga_name)
        query = query.order_by(c.updated_at).limit(max(limit, 0))
        async with self._transaction("list sagas for recovery") as session:
            return list((await session.scalars(query)).all())

    async def claim_for_recovery(
        self,
        limit: int,
        *,
        now: datetime,
        stale_before: datetime,
        lease_until: datetime,
        max_attempts: int,
        saga_names: frozenset[str] | None = None,
    ) -> list[SagaClaim]:
        """Lease up to `limit` sagas that need recovery (see `ISagaRecoveryStorage`)."""
        if limit < 1:
            return []
        async with self._transaction("claim sagas for recovery") as session:
            claimed = await claim_sagas(
                session,
                self.executions,
                limit,
                now=now,
                stale_before=stale_before,
                lease_until=lease_until,
                max_attempts=max_attempts,
                saga_names=saga_names,
            )
        return [SagaClaim(saga_id, name, attempts) for saga_id, name, attempts in claimed]

    async def list_sagas(
        self,
        *,
        statuses: frozenset[SagaStatus] | None = None,
        min_recovery_attempts: int = 0,
        limit: int = 100,
    ) -> list[SagaRecord]:
        """Stored sagas of `statuses` (all when None), least recently updated first."""
        c = self.executions.c
        query = select(self.executions).where(c.recovery_attempts >= min_recovery_attempts)
        if statuses is not None:
            query = query.where(c.status.in_(sorted(SagaStatus(s).value for s in statuses)))
        query = query.order_by(c.updated_at).limit(max(limit, 0))
        async with self._transaction("list sagas") as session:
            rows = (await session.execute(query)).all()
        return [record(row) for row in rows]
