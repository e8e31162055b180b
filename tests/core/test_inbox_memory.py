"""The memory inbox passes the shared inbox conformance suite."""

from __future__ import annotations

import pytest

from cqrs.inbox import InboxRepository, MemoryInboxRepository, MemoryInboxStore
from cqrs.testing import InboxRepositoryConformance


class TestMemoryInboxConformance(InboxRepositoryConformance):
    pytestmark = pytest.mark.anyio

    def setup_method(self) -> None:
        self.store = MemoryInboxStore()

    async def make_inbox(self) -> InboxRepository:
        return MemoryInboxRepository(self.store)
