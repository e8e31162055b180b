"""Transactional outbox: the repository protocol, its memory implementation, retry policy.

Extension point: cqrs-outbox-sqlalchemy adds cqrs.outbox.sqlalchemy to this package.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from cqrs.outbox.exceptions import (
    InvalidOutboxEventError,
    OutboxedEventNotFound,
    OutboxError,
)
from cqrs.outbox.memory import MemoryOutboxedEventRepository, MemoryOutboxStore
from cqrs.outbox.protocol import (
    EventStatus,
    OutboxedEvent,
    OutboxedEventId,
    OutboxedEventRepository,
)
from cqrs.outbox.retry import RetryPolicy

__all__ = [
    "EventStatus",
    "InvalidOutboxEventError",
    "MemoryOutboxStore",
    "MemoryOutboxedEventRepository",
    "OutboxError",
    "OutboxedEvent",
    "OutboxedEventId",
    "OutboxedEventNotFound",
    "OutboxedEventRepository",
    "RetryPolicy",
]
