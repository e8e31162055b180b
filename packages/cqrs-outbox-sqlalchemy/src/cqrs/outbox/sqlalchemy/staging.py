"""Staging outbox rows in the caller's session until it commits.

`add()` keeps row parameters in `session.info`; a `before_commit` listener on
the session inserts them on the session's own connection, in the transaction
being committed. So the rows are persisted by whoever commits the session —
`repository.commit()` or the caller's `session.commit()` — atomically with the
caller's other changes, and dropped when that transaction ends any other way.

Rows go in with one statement per table, not one ORM flush per object: on
PostgreSQL one `INSERT … SELECT … FROM unnest(<one array per column>)` (a
single statement whatever the number of rows, rows numbered in the order they
were added), elsewhere one executemany.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, TextClause, event, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["NOTIFY", "stage"]

_KEY = "cqrs.outbox.staged"

_Processor = Callable[[Any], Any] | None
# Per table: (column names, which are arrays) -> the unnest INSERT and the bind
# processors of those columns. Weak keys: a table dropped from its metadata
# and collected takes its statements with it.
_UnnestCache = dict[tuple[tuple[str, ...], tuple[bool, ...]], tuple[TextClause, list[_Processor]]]
#: Wakes the listeners of a channel when the transaction commits (PostgreSQL).
NOTIFY: TextClause = text("SELECT pg_notify(:channel, '')")
_MAX_SHAPES = 64  # statements kept per table (one per mix of array and scalar columns)
_unnest_statements: weakref.WeakKeyDictionary[Table, _UnnestCache] = weakref.WeakKeyDictionary()


class _Staged:
    """The rows a session inserts into one table at its next commit."""

    __slots__ = ("channel", "rows")

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.channel: str | None = None  # PostgreSQL channel notified in the same transaction


def stage(session: Session, table: Table, row: dict[str, Any], notify: str | None = None) -> None:
    """Add `row` to the rows `session` inserts into `table` when it next commits.

    With `notify` (a channel name), the same transaction also runs
    `pg_notify(notify, '')` on PostgreSQL, so listeners learn of the rows at commit.
    """
    staged: dict[Table, _Staged] | None = session.info.get(_KEY)
    batch = staged.get(table) if staged is not None else None
    if batch is None or not batch.rows:
        # First row of this table in this transaction (the list empties when it ends).
        batch = _first_of_transaction(session, staged, table)
    batch.rows.append(row)
    if notify is not None:
        batch.channel = notify


def _first_of_transaction(
    session: Session, staged: dict[Table, _Staged] | None, table: Table
) -> _Staged:
    """Listen to `session` once, begin its transaction if needed, and give `table`'s batch."""
    if staged is None:
        staged = session.info[_KEY] = {}
        event.listen(session, "before_commit", _insert_staged)
        event.listen(session, "after_transaction_end", _forget_staged)
    if not session.in_transaction():
        # Begin now (no I/O: the connection is taken lazily) so that a rollback()
        # before any statement still ends a transaction and drops the staged rows.
        session.begin()
    batch = staged.get(table)
    if batch is None:
        batch = staged[table] = _Staged()
    return batch


def _insert_staged(session: Session) -> None:
    staged: dict[Table, _Staged] = session.info[_KEY]
    if not staged:
        return
    batches = list(staged.items())
    staged.clear()
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    for table, batch in batches:
        rows = batch.rows
        if len(rows) > 1 and postgresql:
            _insert_unnest(connection, table, rows)
        else:
            connection.execute(insert(table), rows)
        if batch.channel is not None and postgresql:
            connection.execute(NOTIFY, {"channel": batch.channel})


def _insert_unnest(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` into `table` with one PostgreSQL statement.

    The rows of one table all have the same keys (the repository builds them). A
    column whose value is the same in every row (the status of new rows, a topic
    common to the batch) is bound once as a scalar; the others as one array each.
    """
    columns = tuple(rows[0])
    shape: list[bool] = []  # per column: bound as an array (True) or as one scalar
    values: list[list[Any]] = []
    for name in columns:
        column = [row[name] for row in rows]
        first = column[0]
        same = _is_plain(first) and column.count(first) == len(column)
        shape.append(not same)
        values.append(column)
    statement, processors = _unnest_statement(table, columns, tuple(shape), connection.dialect)
    params: dict[str, Any] = {}
    for index, (column, process, array) in enumerate(zip(values, processors, shape)):
        if not array:
            params[f"c{index}"] = column[0] if process is None else process(column[0])
        elif process is None:
            params[f"c{index}"] = column
        else:
            params[f"c{index}"] = [process(value) for value in column]
    connection.execute(statement, params)


def _is_plain(value: object) -> bool:
    """Whether `value` compares cheaply and by value (for the one-scalar check)."""
    return value is None or type(value) in (str, int, bytes, bool)


def _unnest_statement(
    table: Table, columns: tuple[str, ...], shape: tuple[bool, ...], dialect: Dialect
) -> tuple[TextClause, list[_Processor]]:
    cache = _unnest_statements.get(table)
    if cache is None:
        cache = _unnest_statements[table] = {}
    found = cache.get((columns, shape))
    if found is not None:
        return found
    if len(cache) >= _MAX_SHAPES:
        cache.clear()
    quote = dialect.identifier_preparer
    target = [table.c[name] for name in columns]
    names = ", ".join(quote.format_column(column) for column in target)
    arrays: list[str] = []
    selected: list[str] = []
    for index, (column, array) in enumerate(zip(target, shape)):
        sql_type = column.type.compile(dialect)
        if array:
            arrays.append(f"CAST(:c{index} AS {sql_type}[])")
            selected.append(f"c{index}")
        else:
            selected.append(f"CAST(:c{index} AS {sql_type})")
    aliases = ", ".join(f"c{index}" for index, array in enumerate(shape) if array)
    # ORDER BY the ordinality: the rows get their ids in the order they were added.
    sql = (
        f"INSERT INTO {quote.format_table(table)} ({names}) "
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) "
        f"WITH ORDINALITY AS staged({aliases}, n) ORDER BY n"
    )
    processors: list[_Processor] = [column.type.bind_processor(dialect) for column in target]
    found = cache[columns, shape] = (text(sql), processors)
    return found


def _forget_staged(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info[_KEY].clear()
