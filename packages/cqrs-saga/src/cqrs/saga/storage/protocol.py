"""`ISagaStorage`: what the saga engine persists, and what recovery reads back."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any, Protocol, runtime_checkable

from cqrs.saga.models import SagaAction, SagaLogEntry, SagaStatus, SagaStepStatus

__all__ = ["RECOVERABLE", "ISagaRecoveryStorage", "ISagaStorage", "SagaClaim", "SagaRecord"]

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
    #: How many times a recovery worker claimed the saga (see `ISagaRecoveryStorage`).
    recovery_attempts: int = 0


@dataclasses.dataclass(frozen=True)
class SagaClaim:
    """A saga a recovery worker has leased: its id, stored name and attempts so far."""

    saga_id: uuid.UUID
    name: str
    attempts: int


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
      (and `update_status`, when `status` is given) do, atomically (same
      version check; nothing changes when it fails).
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
        *,
        status: SagaStatus | None = None,
    ) -> None:
        """`update_context` and `log_step(..., ACT, COMPLETED)` as one atomic write.

        The engine calls it once per completed step: a storage with transactions
        writes both or neither, so the log never claims a step whose context
        changes were lost (and one commit per step boundary). `status`, when
        given, is set in the same write (the engine passes COMPLETED with the
        last step, so finishing a saga costs no extra commit).
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


@runtime_checkable
class ISagaRecoveryStorage(ISagaStorage, Protocol):
    """A saga storage that several recovery workers can share (`SagaRecoveryWorker`).

    Contract (checked by `cqrs.saga.testing.SagaStorageConformance`):
    - `claim_for_recovery` leases, until `lease_until`, up to `limit` sagas that
      are FAILED, or RUNNING / COMPENSATING and last updated at or before
      `stale_before`; sagas already leased (lease end after `now`) or claimed
      `max_attempts` times are skipped. Each claim adds one to the saga's
      `recovery_attempts`. Two concurrent claims never return the same saga.
    - `list_sagas` reads records, least recently updated first, filtered by
      status and by a minimum of recovery attempts (the exhausted ones).
    """

    async def claim_for_recovery(
        self,
        limit: int,
        *,
        now: datetime.datetime,
        stale_before: datetime.datetime,
        lease_until: datetime.datetime,
        max_attempts: int,
        saga_names: frozenset[str] | None = None,
    ) -> list[SagaClaim]:
        """Lease sagas that need recovery (see the class contract), oldest first."""
        ...

    async def list_sagas(
        self,
        *,
        statuses: frozenset[SagaStatus] | None = None,
        min_recovery_attempts: int = 0,
        limit: int = 100,
    ) -> list[SagaRecord]:
        """Stored sagas of `statuses` (all when None), least recently updated first."""
        ...
