"""Waking outbox relays when rows are committed: PostgreSQL `LISTEN`/`NOTIFY`.

Writers opt in with `SqlAlchemyOutboxedEventRepository(session, notify=True)`:
each transaction that commits outbox rows (or requeues dead ones) also sends
`NOTIFY` on the table's channel, delivered by PostgreSQL only if it commits.
A relay listens with `OutboxListener` and passes its `wakeup` event to
`EventProducer(..., wakeup=listener.wakeup)`; an idle relay then claims new rows
within milliseconds, while polling only every `idle_sleep`::

    async with OutboxListener(engine, table) as listener:
        producer = cqrs.EventProducer(broker, repository, idle_sleep=5, wakeup=listener.wakeup)
        await producer.run(stop)

Notifications only shorten sleeps; the relay still polls, so a notification
lost with a dropped connection delays rows by at most `idle_sleep`. The
listener reconnects by itself after such a drop and wakes the relay once
connected again, in case rows were committed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cqrs.outbox.sqlalchemy.exceptions import OutboxConfigurationError, OutboxDatabaseError
from cqrs.outbox.sqlalchemy.tables import outbox_table

__all__ = ["OutboxListener", "notify_channel"]

logger: logging.Logger = logging.getLogger("cqrs.outbox.sqlalchemy")

_CHANNEL_PREFIX = "cqrs_outbox."
_MAX_CHANNEL = 63  # bytes: PostgreSQL truncates longer identifiers
_MAX_RECONNECT_DELAY = 30.0


def notify_channel(table: Table | str | None = None) -> str:
    """The `NOTIFY` channel of an outbox table (a `Table`, a name, or the default table)."""
    if not isinstance(table, Table):
        table = outbox_table(table)
    channel = f"{_CHANNEL_PREFIX}{table.fullname}"
    return channel.encode()[:_MAX_CHANNEL].decode(errors="ignore")


class OutboxListener:
    """Listens on an outbox table's channel and sets `wakeup` on each notification.

    Needs a PostgreSQL engine on asyncpg (the `postgres` extra). `start()` (or
    `async with`) takes one connection of the engine's pool for as long as the
    listener runs; `stop()` closes it. The listener sets `wakeup` when it starts
    and whenever it reconnects, so a relay checks for rows committed while no
    one listened. `reconnect_delay` is the first wait before reconnecting after
    the connection dropped, doubled after each failure up to 30 seconds.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        table: Table | str | None = None,
        *,
        reconnect_delay: float = 1.0,
    ) -> None:
        dialect = engine.dialect
        if dialect.name != "postgresql" or dialect.driver != "asyncpg":
            raise OutboxConfigurationError(
                f"OutboxListener needs PostgreSQL on asyncpg (postgresql+asyncpg://...), got "
                f"{dialect.name}+{dialect.driver}: other databases have no LISTEN/NOTIFY, "
                "their relays find new rows by polling (EventProducer idle_sleep)"
            )
        if not reconnect_delay > 0:
            raise ValueError(f"reconnect_delay must be positive, got {reconnect_delay!r}")
        self.engine: AsyncEngine = engine
        self.channel: str = notify_channel(table)
        self.reconnect_delay: float = float(reconnect_delay)
        #: Set on every notification; give it to `EventProducer(wakeup=...)`.
        self.wakeup: asyncio.Event = asyncio.Event()
        self._connection: AsyncConnection | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._running = False

    @property
    def listening(self) -> bool:
        """Whether the listener holds a live connection that is listening now."""
        return self._connection is not None

    async def start(self) -> None:
        """Connect and `LISTEN` (raises `OutboxDatabaseError` if the database is unreachable)."""
        if self._running:
            return
        try:
            await self._listen()
        except (SQLAlchemyError, OSError) as exc:
            raise OutboxDatabaseError(
                f"could not LISTEN on {self.channel!r}: {type(exc).__name__}: {exc}"
            ) from exc
        self._running = True

    async def stop(self) -> None:
        """Stop listening and close the connection (idempotent)."""
        self._running = False
        task, self._reconnecting = self._reconnecting, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close()

    async def __aenter__(self) -> OutboxListener:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        state = "listening" if self.listening else "not listening"
        return f"OutboxListener({self.channel!r}, {state})"

    async def _listen(self) -> None:
        connection = await self.engine.connect()
        try:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection  # asyncpg.Connection
            await driver.add_listener(self.channel, self._notified)
            driver.add_termination_listener(self._lost)
        except BaseException:
            await connection.invalidate()
            await connection.close()
            raise
        self._connection = connection
        self.wakeup.set()  # rows may have been committed while no one listened

    def _notified(self, connection: object, pid: int, channel: str, payload: str) -> None:
        self.wakeup.set()

    def _lost(self, connection: object) -> None:
        if self._connection is None or not self._running:
            return  # closed by stop()
        logger.warning("outbox listener on %r lost its connection; reconnecting", self.channel)
        self.wakeup.set()  # the relay polls once now, then as usual until reconnected
        dead, self._connection = self._connection, None
        self._reconnecting = asyncio.ensure_future(self._reconnect(dead))

    async def _reconnect(self, dead: AsyncConnection) -> None:
        with contextlib.suppress(SQLAlchemyError, OSError):
            await dead.invalidate()
            await dead.close()
        delay = self.reconnect_delay
        while self._running:
            await asyncio.sleep(delay)
            try:
                await self._listen()
            except (SQLAlchemyError, OSError) as exc:
                logger.warning(
                    "outbox listener could not reconnect to %r (%s); retrying in %.1f s",
                    self.channel,
                    exc,
                    delay,
                )
                delay = min(delay * 2, _MAX_RECONNECT_DELAY)
            else:
                logger.info("outbox listener on %r is listening again", self.channel)
                return

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        # A listening connection is not given back to the pool: close it for good.
        with contextlib.suppress(SQLAlchemyError, OSError):
            await connection.invalidate()
        await connection.close()
