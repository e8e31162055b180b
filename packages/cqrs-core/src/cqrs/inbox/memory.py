"""`MemoryInboxRepository`: the dependency-free inbox, for tests and single-process consumers."""

from __future__ import annotations

import asyncio

__all__ = ["MemoryInboxRepository", "MemoryInboxStore"]

_Key = tuple[str, str]


class MemoryInboxStore:
    """The records shared by every `MemoryInboxRepository` built on it (one process)."""

    def __init__(self) -> None:
        self._done: set[_Key] = set()
        # Records held by a unit of work not yet committed or rolled back.
        self._held: dict[_Key, asyncio.Event] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._done

    def __len__(self) -> int:
        return len(self._done)


class MemoryInboxRepository:
    """One unit of work on a `MemoryInboxStore`: `record`, then `commit` or `rollback`."""

    def __init__(self, store: MemoryInboxStore | None = None) -> None:
        self.store: MemoryInboxStore = store if store is not None else MemoryInboxStore()
        self._mine: dict[_Key, asyncio.Event] = {}

    async def record(self, message_id: str, consumer: str) -> bool:
        """Record the message for `consumer`; False if that is already committed."""
        key = (str(message_id), consumer)
        store = self.store
        while True:
            if key in store._done:
                return False
            if key in self._mine:
                return True  # recorded earlier in this unit of work
            holder = store._held.get(key)
            if holder is None:
                break
            await holder.wait()  # another unit of work decides first
        released = asyncio.Event()
        store._held[key] = released
        self._mine[key] = released
        return True

    async def commit(self) -> None:
        """Make this unit's records permanent and wake the units waiting on them."""
        self._settle(done=True)

    async def rollback(self) -> None:
        """Forget this unit's records; a unit waiting on one of them may take it."""
        self._settle(done=False)

    def _settle(self, *, done: bool) -> None:
        store = self.store
        mine, self._mine = self._mine, {}
        for key, released in mine.items():
            if done:
                store._done.add(key)
            del store._held[key]
            released.set()
