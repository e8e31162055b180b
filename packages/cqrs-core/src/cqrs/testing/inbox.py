"""`InboxRepositoryConformance`: the behaviour every `InboxRepository` must have.

Subclass it in a test module, mark it for anyio and implement `make_inbox`::

    class TestMemoryInbox(InboxRepositoryConformance):
        pytestmark = pytest.mark.anyio

        def setup_method(self) -> None:
            self.store = MemoryInboxStore()

        async def make_inbox(self) -> InboxRepository:
            return MemoryInboxRepository(self.store)

Each call of `make_inbox` is a new unit of work (for SQL: a new session) on the
test's one store, which starts empty. Like the outbox suite, this module does
not import pytest, and no test depends on timing: a unit that must wait for
another is started as a task and checked only after the other has settled.
"""

from __future__ import annotations

import asyncio
import uuid

from cqrs.inbox.protocol import InboxRepository

__all__ = ["InboxRepositoryConformance"]


def _message_id() -> str:
    return str(uuid.uuid4())


class InboxRepositoryConformance:
    """Shared tests for inbox repositories; see the module docstring for how to use it."""

    async def make_inbox(self) -> InboxRepository:
        """Return a new unit of work on this test's store."""
        raise NotImplementedError(
            f"{type(self).__qualname__} must implement make_inbox() to run the inbox "
            "conformance suite"
        )

    async def _committed(self, message_id: str, consumer: str) -> None:
        inbox = await self.make_inbox()
        assert await inbox.record(message_id, consumer) is True
        await inbox.commit()

    async def test_first_delivery_is_new(self) -> None:
        inbox = await self.make_inbox()
        assert await inbox.record(_message_id(), "read-model") is True

    async def test_committed_message_is_a_redelivery(self) -> None:
        message_id = _message_id()
        await self._committed(message_id, "read-model")
        assert await (await self.make_inbox()).record(message_id, "read-model") is False

    async def test_rolled_back_record_is_forgotten(self) -> None:
        message_id = _message_id()
        first = await self.make_inbox()
        await first.record(message_id, "read-model")
        await first.rollback()
        assert await (await self.make_inbox()).record(message_id, "read-model") is True

    async def test_each_consumer_processes_a_message_once(self) -> None:
        message_id = _message_id()
        await self._committed(message_id, "read-model")
        assert await (await self.make_inbox()).record(message_id, "mailer") is True

    async def test_recording_twice_in_one_unit_is_still_new(self) -> None:
        message_id, inbox = _message_id(), await self.make_inbox()
        await inbox.record(message_id, "read-model")
        assert await inbox.record(message_id, "read-model") is True

    async def test_unit_can_be_reused_after_commit(self) -> None:
        first, second = _message_id(), _message_id()
        inbox = await self.make_inbox()
        await inbox.record(first, "read-model")
        await inbox.commit()
        assert await inbox.record(first, "read-model") is False
        assert await inbox.record(second, "read-model") is True

    async def _contended(
        self, message_id: str
    ) -> tuple[InboxRepository, InboxRepository, asyncio.Future[bool]]:
        """A unit holding `message_id` uncommitted, and another unit's record() of it, started."""
        holder, other = await self.make_inbox(), await self.make_inbox()
        assert await holder.record(message_id, "read-model") is True
        waiting = asyncio.ensure_future(other.record(message_id, "read-model"))
        await asyncio.sleep(0)  # let it start; its outcome is checked after the holder settles
        return holder, other, waiting

    async def test_concurrent_delivery_waits_and_sees_the_commit(self) -> None:
        holder, _, waiting = await self._contended(_message_id())
        await holder.commit()
        assert await waiting is False

    async def test_concurrent_delivery_takes_over_after_a_rollback(self) -> None:
        message_id = _message_id()
        holder, other, waiting = await self._contended(message_id)
        await holder.rollback()
        assert await waiting is True
        await other.commit()
        assert await (await self.make_inbox()).record(message_id, "read-model") is False
