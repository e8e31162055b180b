"""A consumer whose handler and inbox share one SQLite transaction (used by test_faults).

Run as a script, it consumes until killed and blocks forever on the event whose
number is `block_at`, after printing `blocked <n>`: the test kills it there, with
the earlier records handled and committed in SQLite but their offsets not
committed to Kafka.

    python sqlite_inbox_consumer.py BOOTSTRAP TOPIC GROUP DB_PATH BLOCK_AT
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys

import cqrs
from cqrs.events import bootstrap
from cqrs.kafka import KafkaEventConsumer


class Payload(cqrs.Response):
    n: int


class Numbered(cqrs.NotificationEvent[Payload]):
    event_name: str = "Numbered"


class SqliteInbox:
    """The core `InboxRepository` on one SQLite connection; the handler writes on it too."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    async def record(self, message_id: str, consumer: str) -> bool:
        self.connection.execute("BEGIN IMMEDIATE")
        seen = self.connection.execute(
            "SELECT 1 FROM inbox WHERE message_id = ? AND consumer = ?", (message_id, consumer)
        ).fetchone()
        if seen:
            return False  # the consumer ends the unit of work with rollback()
        self.connection.execute("INSERT INTO inbox VALUES (?, ?)", (message_id, consumer))
        return True

    async def commit(self) -> None:
        self.connection.execute("COMMIT")

    async def rollback(self) -> None:
        self.connection.execute("ROLLBACK")


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS inbox (message_id TEXT, consumer TEXT)")
    connection.execute("CREATE TABLE IF NOT EXISTS effects (n INTEGER)")
    return connection


def build(
    bootstrap_servers: str,
    topic: str,
    group: str,
    path: str,
    block_at: int | None,
    connection: sqlite3.Connection | None = None,
) -> KafkaEventConsumer:
    """The consumer; in-process callers pass (and close) their own `connection`."""
    db = connection if connection is not None else connect(path)

    class Apply(cqrs.EventHandler[Numbered]):
        async def handle(self, event: Numbered) -> None:
            if event.payload.n == block_at:
                print(f"blocked {event.payload.n}", flush=True)
                await asyncio.Event().wait()  # until the process is killed
            db.execute("INSERT INTO effects VALUES (?)", (event.payload.n,))

    mediator = bootstrap.bootstrap(events_mapper=lambda m: m.bind(Numbered, Apply))
    return KafkaEventConsumer(
        bootstrap_servers,
        [topic],
        group,
        mediator,
        event_types=[Numbered],
        inbox=lambda: SqliteInbox(db),
        producer_options={"enable_idempotence": False},
        # A killed member leaves the group when its session expires: keep that short.
        consumer_options={"session_timeout_ms": 6000, "heartbeat_interval_ms": 500},
    )


if __name__ == "__main__":
    servers, topic_name, group_id, db_path, block = sys.argv[1:6]
    asyncio.run(build(servers, topic_name, group_id, db_path, int(block)).run())
