"""The transactional outbox: the stored row, its status, and the repository protocol.

Life of an outbox row::

    add + commit ─▶ NEW ──┐                         ┌─ mark_produced ─▶ PRODUCED
                          ├─ claim_batch (leased) ──┼─ mark_failed ───▶ FAILED (due after the
    FAILED, when due ─────┘                         │                   backoff), or DEAD at
                                                    │                   max_attempts
    DEAD ─ requeue ─▶ NEW                           └─ release, lease expiry ─▶ due again

Claiming does not change the status: it sets `next_attempt_at` to the end of
a lease. A row is *due* when its status is NEW or FAILED and `next_attempt_at`
is None or not in the future, so one predicate (and one index on
`(status, next_attempt_at)`) covers new rows, retries and rows whose relay
crashed. In SQL, `claim_batch` is one transaction::

    UPDATE outbox SET next_attempt_at = :now + :lease
    WHERE id IN (SELECT id FROM outbox
                 WHERE status IN ('new', 'failed')
                   AND (next_attempt_at IS NULL OR next_attempt_at <= :now)
                 ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED)
    RETURNING *

Delivery is at-least-once: a relay that outlives its lease, or crashes between
sending and `mark_produced`, lets the event be sent again. Consumers
deduplicate on `Message.message_id` (the event id).
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, runtime_checkable

from cqrs.events.event import INotificationEvent
from cqrs.message_brokers.protocol import Message

__all__ = ["EventStatus", "OutboxedEvent", "OutboxedEventId", "OutboxedEventRepository"]

_new = object.__new__
_set_attribute = object.__setattr__

#: The store's primary key of a row: an autoincrement integer or a string key.
OutboxedEventId = int | str


class EventStatus(str, enum.Enum):
    """Where an outbox row is in its life. The values are what SQL stores keep."""

    NEW = "new"
    """Committed, never failed; due unless leased."""
    PRODUCED = "produced"
    """Sent to the broker. Terminal."""
    FAILED = "failed"
    """At least one send failed; a retry is scheduled at `next_attempt_at`."""
    DEAD = "dead"
    """`max_attempts` sends failed. Kept, listed by `dead_letters`, revived by `requeue`."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutboxedEvent:
    """One outbox row as the relay sees it (a snapshot; the store is the truth).

    `payload` is the event's `to_dict()` taken when it was added: it becomes
    the message payload unchanged. `attempts` counts failed sends.
    `next_attempt_at` is the end of the current lease for a claimed row, the
    retry time of a FAILED row, and None (or a past time) when a NEW row is due;
    it has no meaning for PRODUCED and DEAD rows. Times are timezone-aware UTC.
    """

    id: OutboxedEventId
    event_id: uuid.UUID
    event_name: str
    topic: str
    payload: dict[str, Any]
    status: EventStatus
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    last_error: str | None
    key: str | None = None
    """The broker key the event named (`message_key()`), or None."""
    payload_json: ClassVar[bytes | None] = None
    """`payload` as the store holds it — JSON (UTF-8) of exactly `payload` — or None.

    A store that keeps the JSON may set it on the rows it claims (the SQL outbox
    does), and `to_message` passes it on as `Message.payload_json`. Like that
    one it is not a field: `dataclasses.replace` gives a row without it.
    """

    def to_message(self) -> Message:
        """The broker message for this row, identified by the event id."""
        # The relay calls this once per row: `Message` is a frozen dataclass without
        # `__post_init__` or slots, so its field dict is set in one call instead of
        # through the generated `__init__` (six `object.__setattr__` calls).
        fields = {
            "message_name": self.event_name,
            "message_id": self.event_id,
            "topic": self.topic,
            "payload": self.payload,
            "headers": {},
            "key": self.key,
        }
        stored = self.payload_json
        if stored is not None:
            fields["payload_json"] = stored
        message = _new(Message)
        _set_attribute(message, "__dict__", fields)
        return message


@runtime_checkable
class OutboxedEventRepository(Protocol):
    """Access to an outbox store, from both of its sides.

    Writer side — the caller's unit of work: `add` stages events, `commit`
    persists them atomically with the caller's own changes (same session or
    transaction), `rollback` discards them. Staged events are invisible to
    every relay until committed.

    Relay side — each call is atomic and durable when it returns (SQL
    implementations commit their own transaction), so a claim is visible to
    other relays before any message is sent. Use one repository per relay; a
    repository is not meant to be shared by concurrent tasks.

    Retry settings (`max_attempts`, default 5, and the backoff base and cap)
    are constructor arguments of each implementation; see `RetryPolicy`.
    """

    def add(self, event: INotificationEvent[Any]) -> None:
        """Stage `event` for the current unit of work (persisted by `commit`).

        The row takes `event_id`, `event_name`, `topic` and `to_dict()` now, so
        later changes to the event object are not stored. Raises
        `InvalidOutboxEventError` for an object that is not a notification event
        (an implementation may defer the JSON check of `to_dict()` to `commit`).
        """
        ...

    async def commit(self) -> None:
        """Persist the staged events (and, for SQL, the rest of the caller's session)."""
        ...

    async def rollback(self) -> None:
        """Discard the staged events (and, for SQL, the rest of the caller's session)."""
        ...

    async def claim_batch(self, limit: int, *, lease: timedelta) -> list[OutboxedEvent]:
        """Claim up to `limit` due rows for `lease`, oldest first, and return them.

        Due rows are NEW or FAILED rows whose `next_attempt_at` is None or not
        after now — which includes rows claimed earlier whose lease has expired
        (their relay crashed). Claiming sets `next_attempt_at = now + lease`
        and changes nothing else, so two concurrent claimers never receive the
        same row while its lease holds. The relay must settle every returned
        row — `mark_produced`, `mark_failed` or `release` — within the lease.
        """
        ...

    async def mark_produced(self, ids: Sequence[OutboxedEventId]) -> None:
        """Record that these rows were sent: status PRODUCED, never claimed again.

        Applies whatever the current status (a send that happened is a fact,
        even after a lease expired). Unknown ids are ignored.
        """
        ...

    async def mark_failed(self, id: OutboxedEventId, error: str) -> EventStatus:
        """Record a failed send of row `id` and return the row's new status.

        Increments `attempts` and stores `error` as `last_error` (implementations
        may truncate it). Below `max_attempts` the row becomes FAILED and is due
        again after the backoff (`RetryPolicy.delay(attempts)`); at `max_attempts`
        it becomes DEAD: kept, listed by `dead_letters`, never claimed. A row that
        is already PRODUCED or DEAD is left unchanged and its status returned
        (a relay whose lease expired cannot revive a settled row). Raises
        `OutboxedEventNotFound` for an unknown id.
        """
        ...

    async def release(self, ids: Sequence[OutboxedEventId]) -> None:
        """Give back claimed rows that were not sent, making them due now.

        Used by a relay that stops mid-batch. `attempts` is unchanged; rows that
        are not NEW or FAILED, and unknown ids, are ignored.
        """
        ...

    async def dead_letters(self, limit: int = 100) -> list[OutboxedEvent]:
        """Up to `limit` DEAD rows, oldest first, for inspection and `requeue`."""
        ...

    async def requeue(self, ids: Sequence[OutboxedEventId]) -> int:
        """Move DEAD rows back to NEW with `attempts = 0`, due now; return how many moved.

        `last_error` is kept for the record. Rows that are not DEAD, and unknown
        ids, are ignored.
        """
        ...
