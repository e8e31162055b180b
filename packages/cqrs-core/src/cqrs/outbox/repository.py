"""The outbox's row, status and repository, at the path python-cqrs gives them.

They are the ones of `cqrs.outbox.protocol`, whose lease model differs from python-cqrs's
status updates: see MIGRATING.md ("Transactional outbox") for what replaces
`EventStatus.NOT_PRODUCED`, `get_many` and `update_status`.
"""

from __future__ import annotations

from cqrs.outbox.protocol import EventStatus, OutboxedEvent, OutboxedEventRepository

__all__ = ["EventStatus", "OutboxedEvent", "OutboxedEventRepository"]
