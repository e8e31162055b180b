"""The inbox: remember which messages a consumer processed, so a redelivery takes effect once.

`cqrs.inbox.protocol.InboxRepository` is the extension point; `MemoryInboxRepository`
is the dependency-free default. The SQL implementation ships in cqrs-outbox-sqlalchemy.
"""

from __future__ import annotations

from cqrs.inbox.memory import MemoryInboxRepository, MemoryInboxStore
from cqrs.inbox.protocol import InboxRepository

__all__ = ["InboxRepository", "MemoryInboxRepository", "MemoryInboxStore"]
