"""Staging outbox rows in the caller's session until it commits.

`add()` keeps row parameters in `session.info`; a `before_commit` listener on
the session inserts them on the session's own connection, in the transaction
being committed. So the rows are persisted by whoever commits the session —
`repository.commit()` or the caller's `session.commit()` — atomically with the
caller's other changes, and dropped when that transaction ends any other way.
Rows are inserted in one executemany per table, not one ORM flush per object.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["stage"]

_KEY = "cqrs.outbox.staged"


def stage(session: Session, table: Table, row: dict[str, Any]) -> None:
    """Add `row` to the rows `session` inserts into `table` when it next commits."""
    staged: dict[Table, list[dict[str, Any]]] | None = session.info.get(_KEY)
    if staged is None:
        staged = session.info[_KEY] = {}
        event.listen(session, "before_commit", _insert_staged)
        event.listen(session, "after_transaction_end", _forget_staged)
    if not session.in_transaction():
        # Begin now (no I/O: the connection is taken lazily) so that a rollback()
        # before any statement still ends a transaction and drops the staged rows.
        session.begin()
    staged.setdefault(table, []).append(row)


def _insert_staged(session: Session) -> None:
    staged: dict[Table, list[dict[str, Any]]] = session.info[_KEY]
    if not staged:
        return
    batches = list(staged.items())
    staged.clear()
    connection = session.connection()
    for table, rows in batches:
        connection.execute(insert(table), rows)


def _forget_staged(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info[_KEY].clear()
