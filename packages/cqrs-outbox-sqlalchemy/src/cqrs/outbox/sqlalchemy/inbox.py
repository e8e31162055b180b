"""`SqlAlchemyInboxRepository`: the core's `InboxRepository` in the caller's `AsyncSession`.

`record()` inserts `(message_id, consumer)` at once, in the session's open
transaction, with the dialect's "insert unless present" form (PostgreSQL and
SQLite `ON CONFLICT DO NOTHING`, MySQL/MariaDB `INSERT IGNORE`). The primary
key does the deduplication: an insert of a key that another transaction holds
uncommitted waits for that transaction, then inserts (it rolled back) or
inserts nothing (it committed). Committing the session commits the record with
the handler's own changes; rolling back forgets both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from cqrs.outbox.memory import utc_now
from cqrs.outbox.sqlalchemy.exceptions import OutboxDatabaseError
from cqrs.outbox.sqlalchemy.tables import DEFAULT_INBOX_TABLE, inbox_table

__all__ = ["SqlAlchemyInboxRepository"]


class SqlAlchemyInboxRepository:
    """Records processed messages in `table` (default `"inbox"`) through `session`.

    Use the session the handler writes with, so `commit()` makes the record and
    the handler's changes permanent together.
    """

    def __init__(
        self,
        session: AsyncSession,
        *,
        table: Table | str = DEFAULT_INBOX_TABLE,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.session: AsyncSession = session
        self.table: Table = table if isinstance(table, Table) else inbox_table(table)
        self._now = now
        # Keys this unit of work inserted: recording one again is not a redelivery.
        self._mine: set[tuple[str, str]] = set()

    async def record(self, message_id: str, consumer: str) -> bool:
        """Insert the record; False when it is already committed (a redelivery)."""
        key = (str(message_id), consumer)
        if key in self._mine:
            return True
        values = {"message_id": key[0], "consumer": consumer, "processed_at": self._now()}
        try:
            result: Any = await self.session.execute(self._insert().values(**values))
        except SQLAlchemyError as exc:
            raise OutboxDatabaseError(
                f"could not record message {key[0]!r} for consumer {consumer!r} in inbox "
                f"table {self.table.name!r}: {type(exc).__name__}: {exc}. Roll the unit of "
                "work back and retry"
            ) from exc
        if result.rowcount == 1:
            self._mine.add(key)
            return True
        return False

    async def commit(self) -> None:
        """Commit the session: the records and the handler's changes, together."""
        await self.session.commit()
        self._mine.clear()

    async def rollback(self) -> None:
        """Roll the session back: the records are forgotten with the handler's changes."""
        self._mine.clear()
        await self.session.rollback()

    def _insert(self) -> Any:
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(self.table).on_conflict_do_nothing()
        if dialect == "sqlite":
            return sqlite.insert(self.table).on_conflict_do_nothing()
        if dialect in ("mysql", "mariadb"):
            return mysql.insert(self.table).prefix_with("IGNORE")
        raise OutboxDatabaseError(
            f"SqlAlchemyInboxRepository supports PostgreSQL, MySQL/MariaDB and SQLite, not "
            f"{dialect!r}: implement cqrs.inbox.InboxRepository for that database"
        )
