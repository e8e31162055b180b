"""Saga storage: the protocol (`protocol`) and the in-memory implementation (`memory`)."""

from __future__ import annotations

from cqrs.saga.storage.memory import MemorySagaStorage
from cqrs.saga.storage.protocol import ISagaStorage, SagaRecord

__all__ = ["ISagaStorage", "MemorySagaStorage", "SagaRecord"]
