"""The inbox repository protocol.

A consumer that receives messages at least once (Kafka after a rebalance, any
broker after a crash) records each message in its inbox in the same unit of
work as the handler's own changes:

    if await inbox.record(message_id, consumer="read-model"):
        ...  # handle the message: its changes join the unit of work
        await inbox.commit()  # the record and the changes, together
    else:
        ...  # a redelivery: its effect is already committed, skip it

If the handler fails, `rollback()` forgets the record with the changes, so the
next delivery is processed again. Records are keyed by (message id, consumer):
two consumers of one message each process it once.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["InboxRepository"]


@runtime_checkable
class InboxRepository(Protocol):
    """Remembers which messages each consumer has processed, within a unit of work."""

    async def record(self, message_id: str, consumer: str) -> bool:
        """Record `message_id` as processed by `consumer` in the current unit of work.

        Returns False when it was already committed (a redelivery: skip it). When
        another unit of work holds the same record uncommitted, waits for its
        outcome rather than processing the message twice at once.
        """
        ...

    async def commit(self) -> None:
        """Make the records of the current unit of work permanent (with the handler's changes)."""
        ...

    async def rollback(self) -> None:
        """Forget the records of the current unit of work: their messages are processed again."""
        ...
