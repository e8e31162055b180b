"""`MockOutboxedEventRepository`: python-cqrs's name for the in-memory outbox.

It is `cqrs.outbox.MemoryOutboxedEventRepository`: build it without arguments (or on a
shared `MemoryOutboxStore`); python-cqrs's `session_factory` argument has no equivalent,
since a memory store needs no session. See MIGRATING.md.
"""

from __future__ import annotations

from cqrs.outbox.memory import MemoryOutboxedEventRepository

__all__ = ["MockOutboxedEventRepository"]

MockOutboxedEventRepository = MemoryOutboxedEventRepository
