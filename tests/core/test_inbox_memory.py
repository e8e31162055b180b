"""The memory inbox: a redelivered message takes effect once."""

from __future__ import annotations

import asyncio

import pytest

from cqrs.inbox import InboxRepository, MemoryInboxRepository, MemoryInboxStore

pytestmark = pytest.mark.anyio


class TestMemoryInbox:
    def test_implements_the_protocol(self) -> None:
        assert isinstance(MemoryInboxRepository(), InboxRepository)

    async def test_a_committed_message_is_seen_again_as_a_redelivery(self) -> None:
        store = MemoryInboxStore()
        first = MemoryInboxRepository(store)
        assert await first.record("m-1", "read-model")
        await first.commit()
        assert ("m-1", "read-model") in store
        assert len(store) == 1
        assert not await MemoryInboxRepository(store).record("m-1", "read-model")

    async def test_records_are_per_consumer(self) -> None:
        store = MemoryInboxStore()
        inbox = MemoryInboxRepository(store)
        assert await inbox.record("m-1", "read-model")
        assert await inbox.record("m-1", "mailer")
        await inbox.commit()
        assert len(store) == 2

    async def test_recording_twice_in_one_unit_of_work_is_not_a_redelivery(self) -> None:
        inbox = MemoryInboxRepository()
        assert await inbox.record("m-1", "c")
        assert await inbox.record("m-1", "c")

    async def test_a_rolled_back_message_is_processed_again(self) -> None:
        store = MemoryInboxStore()
        inbox = MemoryInboxRepository(store)
        assert await inbox.record("m-1", "c")
        await inbox.rollback()
        assert len(store) == 0
        assert await MemoryInboxRepository(store).record("m-1", "c")

    async def test_a_concurrent_unit_waits_and_skips_once_the_first_commits(self) -> None:
        store = MemoryInboxStore()
        first, second = MemoryInboxRepository(store), MemoryInboxRepository(store)
        assert await first.record("m-1", "c")
        waiting = asyncio.ensure_future(second.record("m-1", "c"))
        await asyncio.sleep(0)
        assert not waiting.done()  # the outcome of `first` decides
        await first.commit()
        assert await waiting is False

    async def test_a_concurrent_unit_takes_the_message_when_the_first_rolls_back(self) -> None:
        store = MemoryInboxStore()
        first, second = MemoryInboxRepository(store), MemoryInboxRepository(store)
        assert await first.record("m-1", "c")
        waiting = asyncio.ensure_future(second.record("m-1", "c"))
        await asyncio.sleep(0)
        await first.rollback()
        assert await waiting is True
        await second.commit()
        assert ("m-1", "c") in store
