"""`ISagaStorage`: what the saga engine persists, and what recovery reads back."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any, Protocol, runtime_checkable

from cqrs.saga.models import SagaAction, SagaLogEntry, SagaStatus, SagaStepStatus

__all__ = ["RECOVERABLE", "ISagaStorage", "SagaRecord"]

#: Statuses of sagas that recovery still has work for.
RECOVERABLE = frozenset({SagaStatus.RUNNING, SagaStatus.COMPENSATING, SagaStatus.FAILED})


@dataclasses.dataclass(frozen=True)
class SagaRecord:
    """Everything stored about one saga except its step history."""

    saga_id: uuid.UUID
    name: str
    fingerprint: str
    status: SagaStatus
    context: dict[str, Any]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


@runtime_checkable
class ISagaStorage(Protocol):
    """Persistence of saga state (status, context, version) and of the step log.

    Contract (checked by tests/saga/test_storage.py against every implementation):
    - `create_saga` stores a RUNNING saga at version 1; an existing id raises
      `SagaAlreadyExistsError`.
    - `update_context` replaces the context and increments the version; with
      `current_version`, a stored version that differs raises
      `SagaConcurrencyError` and changes nothing (optimistic versioning).
    - `complete_step` does what `update_context` and `log_step(ACT, COMPLETED)`
      do, atomically (same version check; nothing changes when it fails).
    - Every method that takes an unknown `saga_id` raises `SagaNotFoundError`.
    - `get_step_history` returns the entries in the order they were logged.
    - `get_sagas_for_recovery` lists RUNNING, COMPENSATING and FAILED sagas,
      least recently updated first.
    """

    async def create_saga(
        self,
        saga_id: uuid.UUID,
        name: str,
        context: dict[str, Any],
        *,
        fingerprint: str = "",
    ) -> None:
        """Store a new RUNNING saga with its initial context (version 1)."""
        ...

    async def update_context(
        self, saga_id: uuid.UUID, context: dict[str, Any], current_version: int | None = None
    ) -> None:
        """Replace the stored context (see the optimistic versioning contract)."""
        ...

    async def complete_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        context: dict[str, Any],
        current_version: int | None = None,
    ) -> None:
        """`update_context` and `log_step(..., ACT, COMPLETED)` as one atomic write.

        The engine calls it once per completed step: a storage with transactions
        writes both or neither, so the log never claims a step whose context
        changes were lost (and one round trip instead of two).
        """
        ...

    async def update_status(self, saga_id: uuid.UUID, status: SagaStatus) -> None:
        """Set the saga's status."""
        ...

    async def log_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        action: SagaAction,
        status: SagaStepStatus,
        details: str = "",
    ) -> None:
        """Append one entry to the saga's step history."""
        ...

    async def load_saga_state(self, saga_id: uuid.UUID) -> tuple[SagaStatus, dict[str, Any], int]:
        """`(status, context, version)` of the saga."""
        ...

    async def load_saga(self, saga_id: uuid.UUID) -> SagaRecord:
        """The whole stored record of the saga (name and fingerprint included)."""
        ...

    async def get_step_history(self, saga_id: uuid.UUID) -> list[SagaLogEntry]:
        """The saga's step log, oldest entry first."""
        ...

    async def get_sagas_for_recovery(
        self, limit: int = 100, *, saga_name: str | None = None
    ) -> list[uuid.UUID]:
        """Ids of sagas recovery has work for (optionally of one saga name), oldest first."""
        ...
