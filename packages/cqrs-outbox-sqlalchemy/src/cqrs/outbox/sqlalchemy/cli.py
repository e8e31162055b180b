"""The `cqrs.outbox.repositories` entry points: `python -m cqrs.outbox` on a SQL database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from cqrs.outbox.memory import utc_now
from cqrs.outbox.operator import OutboxStats
from cqrs.outbox.protocol import EventStatus
from cqrs.outbox.sqlalchemy.claim import due
from cqrs.outbox.sqlalchemy.exceptions import OutboxConfigurationError, OutboxDatabaseError
from cqrs.outbox.sqlalchemy.notify import OutboxListener
from cqrs.outbox.sqlalchemy.repository import SqlAlchemyOutboxedEventRepository

__all__ = ["SqlOutboxHandle", "open_repository"]

# A URL without a driver gets the async driver of this distribution's extras.
_ASYNC_DRIVERS = {
    "postgresql": "asyncpg",
    "mysql": "asyncmy",
    "mariadb": "asyncmy",
    "sqlite": "aiosqlite",
}


class SqlOutboxHandle:
    """An open SQL outbox: a repository on its own session, and `stats`."""

    def __init__(
        self,
        session: AsyncSession,
        repository: SqlAlchemyOutboxedEventRepository,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.session = session
        self._repository = repository
        self._now = now

    @property
    def repository(self) -> SqlAlchemyOutboxedEventRepository:
        """The relay-side repository."""
        return self._repository

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Event]:
        """LISTEN for new rows (PostgreSQL on asyncpg; `OutboxConfigurationError` elsewhere)."""
        engine = self.session.bind
        assert isinstance(engine, AsyncEngine)  # open_repository binds the session to one
        async with OutboxListener(engine, self._repository.table) as listener:
            yield listener.wakeup

    async def stats(self) -> OutboxStats:
        """Rows per status and the age of the oldest due row."""
        table, now = self._repository.table, self._now()
        try:
            grouped = await self.session.execute(
                select(table.c.status, func.count()).group_by(table.c.status)
            )
            counts = {EventStatus(status): int(n) for status, n in grouped.all()}
            oldest = (
                await self.session.execute(
                    select(func.min(table.c.created_at)).where(due(table, now))
                )
            ).scalar_one()
            await self.session.commit()
        except SQLAlchemyError as exc:
            raise OutboxDatabaseError(
                f"could not read outbox statistics of {table.name!r}: {exc}"
            ) from exc
        # min() keeps the column's type, so `oldest` is aware UTC on every dialect.
        age: timedelta | None = None if oldest is None else now - oldest
        return OutboxStats(counts={s: counts.get(s, 0) for s in EventStatus}, oldest_due_age=age)


@contextlib.asynccontextmanager
async def open_repository(url: str, *, table: str | None = None) -> AsyncIterator[SqlOutboxHandle]:
    """Open the outbox table `table` of the database at `url` for operator commands."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise OutboxConfigurationError(f"{url!r} is not a database URL: {exc}") from exc
    if "+" not in parsed.drivername and parsed.drivername in _ASYNC_DRIVERS:
        parsed = parsed.set(drivername=f"{parsed.drivername}+{_ASYNC_DRIVERS[parsed.drivername]}")
    engine = create_async_engine(parsed)
    try:
        async with AsyncSession(engine) as session:
            # notify: a requeue wakes the relays listening on PostgreSQL.
            repository = SqlAlchemyOutboxedEventRepository(session, table=table, notify=True)
            yield SqlOutboxHandle(session, repository)
    finally:
        await engine.dispose()
