"""`MemoryOutboxedEventRepository`: the dependency-free outbox, for tests and demos.

A `MemoryOutboxStore` plays the database; each repository plays a session on
it, with its own staged (uncommitted) events. Several repositories on one store
behave like several processes on one database: two relays never claim the
same row while its lease holds. Nothing survives the process, so this is not a
transactional outbox for production — use cqrs-outbox-sqlalchemy there.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from cqrs.events.event import INotificationEvent
from cqrs.outbox.encoding import encode_event
from cqrs.outbox.exceptions import OutboxedEventNotFound
from cqrs.outbox.protocol import EventStatus, OutboxedEvent, OutboxedEventId
from cqrs.outbox.retry import RetryPolicy

__all__ = ["MemoryOutboxStore", "MemoryOutboxedEventRepository", "utc_now"]

_OPEN = (EventStatus.NEW, EventStatus.FAILED)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the default clock)."""
    return datetime.now(timezone.utc)


@dataclasses.dataclass(frozen=True)
class _Staged:
    event_id: uuid.UUID
    event_name: str
    topic: str
    payload: dict[str, Any]
    key: str | None


class MemoryOutboxStore:
    """The rows shared by every `MemoryOutboxedEventRepository` built on it.

    Rows are kept after they are produced, so tests can inspect them.
    """

    def __init__(self) -> None:
        self._rows: dict[int, OutboxedEvent] = {}
        # NEW and FAILED row ids in id order: claims scan these only, not history.
        self._open: dict[int, None] = {}
        self._next_id = 1

    def rows(self) -> list[OutboxedEvent]:
        """Every committed row, in id order (a snapshot)."""
        return list(self._rows.values())

    def _insert(self, staged: Sequence[_Staged], now: datetime) -> None:
        for item in staged:
            row_id = self._next_id
            self._next_id += 1
            self._rows[row_id] = OutboxedEvent(
                id=row_id,
                event_id=item.event_id,
                event_name=item.event_name,
                topic=item.topic,
                payload=item.payload,
                status=EventStatus.NEW,
                attempts=0,
                next_attempt_at=None,
                created_at=now,
                last_error=None,
                key=item.key,
            )
            self._open[row_id] = None

    def _get(self, row_id: OutboxedEventId) -> OutboxedEvent | None:
        return self._rows.get(row_id) if isinstance(row_id, int) else None

    def _update(self, row: OutboxedEvent, **changes: Any) -> OutboxedEvent:
        new = dataclasses.replace(row, **changes)
        self._rows[int(row.id)] = new
        if new.status not in _OPEN:
            self._open.pop(int(row.id), None)
        return new

    def _reopen(self, row_ids: Sequence[int]) -> None:
        # Requeued rows are old: rebuild the index so claims stay oldest first.
        self._open = dict.fromkeys(sorted([*self._open, *row_ids]))


class MemoryOutboxedEventRepository:
    """An `OutboxedEventRepository` over a `MemoryOutboxStore`.

    `store` defaults to a private new store; pass one store to several
    repositories to model a writer and relays sharing a database. `now` is the
    clock (timezone-aware UTC), injectable for tests; `max_attempts`,
    `backoff_base` and `backoff_max` make the `RetryPolicy`.

    Every method runs without awaiting anything in between, so under asyncio
    each is atomic with respect to the other repositories on the store.
    """

    def __init__(
        self,
        store: MemoryOutboxStore | None = None,
        *,
        now: Callable[[], datetime] = utc_now,
        max_attempts: int = 5,
        backoff_base: timedelta = timedelta(seconds=5),
        backoff_max: timedelta = timedelta(minutes=5),
    ) -> None:
        self.store: MemoryOutboxStore = store if store is not None else MemoryOutboxStore()
        self.retry: RetryPolicy = RetryPolicy(max_attempts, backoff_base, backoff_max)
        self._now = now
        self._staged: list[_Staged] = []

    def add(self, event: INotificationEvent[Any]) -> None:
        """Stage `event` until `commit`; its `to_dict()` is checked and copied now."""
        encoded = encode_event(event)
        # Decoding the JSON deep-copies the payload, isolating the row from the event.
        payload = json.loads(encoded.payload)
        self._staged.append(
            _Staged(encoded.event_id, encoded.event_name, encoded.topic, payload, encoded.key)
        )

    async def commit(self) -> None:
        """Make the staged events visible to relays, all at once."""
        staged, self._staged = self._staged, []
        self.store._insert(staged, self._now())

    async def rollback(self) -> None:
        """Discard the staged events."""
        self._staged.clear()

    async def claim_batch(self, limit: int, *, lease: timedelta) -> list[OutboxedEvent]:
        """Claim up to `limit` due rows, oldest first, until `now + lease`."""
        if limit < 1:
            return []
        now = self._now()
        store = self.store
        claimed: list[OutboxedEvent] = []
        for row_id in store._open:
            row = store._rows[row_id]
            if row.next_attempt_at is None or row.next_attempt_at <= now:
                claimed.append(row)
                if len(claimed) == limit:
                    break
        until = now + lease
        return [store._update(row, next_attempt_at=until) for row in claimed]

    async def mark_produced(self, ids: Sequence[OutboxedEventId]) -> None:
        """Mark the rows PRODUCED; unknown ids are ignored."""
        for row_id in ids:
            row = self.store._get(row_id)
            if row is not None:
                self.store._update(row, status=EventStatus.PRODUCED, next_attempt_at=None)

    async def mark_failed(self, id: OutboxedEventId, error: str) -> EventStatus:
        """Record a failed send; FAILED with backoff, or DEAD at `max_attempts`."""
        row = self.store._get(id)
        if row is None:
            raise OutboxedEventNotFound(f"no outbox row with id {id!r}")
        if row.status not in _OPEN:
            return row.status
        attempts = row.attempts + 1
        if self.retry.exhausted(attempts):
            status, due = EventStatus.DEAD, None
        else:
            status, due = EventStatus.FAILED, self._now() + self.retry.delay(attempts)
        self.store._update(
            row, status=status, attempts=attempts, next_attempt_at=due, last_error=error
        )
        return status

    async def release(self, ids: Sequence[OutboxedEventId]) -> None:
        """Make claimed, unsent rows due now."""
        now = self._now()
        for row_id in ids:
            row = self.store._get(row_id)
            if row is not None and row.status in _OPEN:
                self.store._update(row, next_attempt_at=now)

    async def dead_letters(self, limit: int = 100) -> list[OutboxedEvent]:
        """Up to `limit` DEAD rows, oldest first."""
        dead = (row for row in self.store._rows.values() if row.status is EventStatus.DEAD)
        return list(itertools.islice(dead, max(limit, 0)))

    async def requeue(self, ids: Sequence[OutboxedEventId]) -> int:
        """Move DEAD rows back to NEW (attempts reset); return how many moved."""
        moved: list[int] = []
        for row_id in ids:
            row = self.store._get(row_id)
            if row is not None and row.status is EventStatus.DEAD:
                self.store._update(row, status=EventStatus.NEW, attempts=0, next_attempt_at=None)
                moved.append(int(row.id))
        if moved:
            self.store._reopen(moved)
        return len(moved)
