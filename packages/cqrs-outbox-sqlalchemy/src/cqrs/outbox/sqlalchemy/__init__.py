"""The transactional outbox and inbox on SQLAlchemy 2 async (cqrs-outbox-sqlalchemy).

- `SqlAlchemyOutboxedEventRepository`: the core's `OutboxedEventRepository` on an `AsyncSession`.
- `SqlAlchemyInboxRepository`: the core's `InboxRepository` on an `AsyncSession`.
- `OutboxListener`, `notify_channel`: relays woken by PostgreSQL `LISTEN`/`NOTIFY`.
- `outbox_table`, `inbox_table`, `metadata`, `rebind_outbox_model`, `create_tables`: the schema.
"""

from __future__ import annotations

from cqrs.outbox.sqlalchemy.exceptions import (
    OutboxConfigurationError,
    OutboxDatabaseError,
    OutboxPayloadError,
)
from cqrs.outbox.sqlalchemy.inbox import SqlAlchemyInboxRepository
from cqrs.outbox.sqlalchemy.notify import OutboxListener, notify_channel
from cqrs.outbox.sqlalchemy.repository import SqlAlchemyOutboxedEventRepository
from cqrs.outbox.sqlalchemy.tables import (
    OUTBOX_TABLE_ENV,
    create_tables,
    inbox_table,
    metadata,
    outbox_table,
    rebind_outbox_model,
)

__all__ = [
    "OUTBOX_TABLE_ENV",
    "OutboxConfigurationError",
    "OutboxDatabaseError",
    "OutboxListener",
    "OutboxPayloadError",
    "SqlAlchemyInboxRepository",
    "SqlAlchemyOutboxedEventRepository",
    "create_tables",
    "inbox_table",
    "metadata",
    "notify_channel",
    "outbox_table",
    "rebind_outbox_model",
]
