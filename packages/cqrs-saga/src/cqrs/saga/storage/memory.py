"""`MemorySagaStorage`: the dependency-free `ISagaStorage`, for tests and single processes."""

from __future__ import annotations

import copy
import datetime
import time
import uuid
from typing import Any

from cqrs.saga.exceptions import (
    SagaAlreadyExistsError,
    SagaConcurrencyError,
    SagaNotFoundError,
)
from cqrs.saga.models import SagaAction, SagaLogEntry, SagaStatus, SagaStepStatus
from cqrs.saga.storage.protocol import RECOVERABLE, SagaClaim, SagaRecord

__all__ = ["MemorySagaStorage"]

# (step name, action value, status value, details, time.time()): strings and a float
# only, so the garbage collector stops tracking the entries of a long history.
_Entry = tuple[str, str, str, str, float]
_ACT, _COMPLETED = SagaAction.ACT.value, SagaStepStatus.COMPLETED.value
_IN_PROGRESS = frozenset({SagaStatus.RUNNING, SagaStatus.COMPENSATING})


class _Saga:
    # Mutable and slotted: the engine updates a saga several times per step, and
    # rebuilding a frozen record each time would cost more than the step itself.
    __slots__ = (
        "attempts",
        "context",
        "created",
        "fingerprint",
        "lease",
        "log",
        "name",
        "saga_id",
        "status",
        "updated",
        "version",
    )

    def __init__(
        self, saga_id: uuid.UUID, name: str, fingerprint: str, context: dict[str, Any]
    ) -> None:
        self.saga_id = saga_id
        self.name = name
        self.fingerprint = fingerprint
        self.status = SagaStatus.RUNNING
        self.context = context
        self.version = 1
        self.created = self.updated = time.time()
        self.log: list[_Entry] = []
        self.attempts = 0
        self.lease = 0.0  # time.time() until which a recovery worker holds the saga


def _at(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)


class MemorySagaStorage:
    """Keeps sagas and their step logs in a dictionary of this object.

    Nothing survives the process: use it for tests, demos and sagas whose
    recovery after a crash does not matter. The storage keeps the context dict it
    is given (the engine passes a fresh `to_dict()` each time; do not mutate one
    after passing it) and hands out copies, so mutating a loaded context changes
    nothing stored.
    """

    def __init__(self) -> None:
        # Keyed by `saga_id.int`: UUID.__hash__ is Python code, and every call looks up.
        self._sagas: dict[int, _Saga] = {}

    async def create_saga(
        self,
        saga_id: uuid.UUID,
        name: str,
        context: dict[str, Any],
        *,
        fingerprint: str = "",
    ) -> None:
        """Store a new RUNNING saga at version 1; an existing id raises `SagaAlreadyExistsError`."""
        if saga_id.int in self._sagas:
            raise SagaAlreadyExistsError(
                f"a saga with id {saga_id} already exists in this storage; use a new id "
                "(uuid.uuid4()) or resume the existing one with recover_saga"
            )
        self._sagas[saga_id.int] = _Saga(saga_id, name, fingerprint, context)

    async def update_context(
        self, saga_id: uuid.UUID, context: dict[str, Any], current_version: int | None = None
    ) -> None:
        """Replace the context and bump the version (checked when `current_version` is given)."""
        saga = self._sagas.get(saga_id.int) or self._missing(saga_id)
        if current_version is not None and saga.version != current_version:
            raise self._conflict(saga_id, saga, current_version)
        saga.context = context
        saga.version += 1
        saga.updated = time.time()

    async def complete_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        context: dict[str, Any],
        current_version: int | None = None,
        *,
        status: SagaStatus | None = None,
    ) -> None:
        """Replace the context (version checked), log `act/completed`, set `status`: together."""
        saga = self._sagas.get(saga_id.int) or self._missing(saga_id)
        if current_version is not None and saga.version != current_version:
            raise self._conflict(saga_id, saga, current_version)
        if status is not None:
            saga.status = status if status.__class__ is SagaStatus else SagaStatus(status)
        saga.context = context
        saga.version += 1
        saga.updated = now = time.time()
        saga.log.append((step_name, _ACT, _COMPLETED, "", now))

    async def update_status(self, saga_id: uuid.UUID, status: SagaStatus) -> None:
        """Set the saga's status."""
        saga = self._get(saga_id)
        saga.status = SagaStatus(status)
        saga.updated = time.time()

    async def log_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        action: SagaAction,
        status: SagaStepStatus,
        details: str = "",
    ) -> None:
        """Append one entry to the saga's step history."""
        entry = (step_name, SagaAction(action).value, SagaStepStatus(status).value, details)
        saga = self._sagas.get(saga_id.int) or self._missing(saga_id)
        saga.log.append((*entry, time.time()))

    async def load_saga_state(self, saga_id: uuid.UUID) -> tuple[SagaStatus, dict[str, Any], int]:
        """`(status, context, version)` of the saga."""
        saga = self._get(saga_id)
        return saga.status, copy.deepcopy(saga.context), saga.version

    async def load_saga(self, saga_id: uuid.UUID) -> SagaRecord:
        """The whole stored record of the saga (a copy)."""
        return self._record(self._get(saga_id))

    @staticmethod
    def _record(saga: _Saga) -> SagaRecord:
        return SagaRecord(
            saga_id=saga.saga_id,
            name=saga.name,
            fingerprint=saga.fingerprint,
            status=saga.status,
            context=copy.deepcopy(saga.context),
            version=saga.version,
            created_at=_at(saga.created),
            updated_at=_at(saga.updated),
            recovery_attempts=saga.attempts,
        )

    async def get_step_history(self, saga_id: uuid.UUID) -> list[SagaLogEntry]:
        """The saga's step log, oldest entry first."""
        return [
            SagaLogEntry(
                saga_id, name, SagaAction(action), SagaStepStatus(status), details, _at(timestamp)
            )
            for name, action, status, details, timestamp in self._get(saga_id).log
        ]

    async def get_sagas_for_recovery(
        self, limit: int = 100, *, saga_name: str | None = None
    ) -> list[uuid.UUID]:
        """RUNNING, COMPENSATING and FAILED sagas (of `saga_name`, if given), oldest first."""
        candidates = sorted(
            (
                (saga.updated, saga.saga_id)
                for saga in self._sagas.values()
                if saga.status in RECOVERABLE and saga_name in (None, saga.name)
            ),
            key=lambda pair: pair[0],
        )
        return [saga_id for _, saga_id in candidates[:limit]]

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
        """Lease up to `limit` sagas that need recovery (see `ISagaRecoveryStorage`)."""
        now_ts, stale_ts = now.timestamp(), stale_before.timestamp()
        # No await between choosing and leasing: one event loop, so no other claim interleaves.
        due = sorted(
            (
                saga
                for saga in self._sagas.values()
                if saga.lease <= now_ts
                and saga.attempts < max_attempts
                and (saga_names is None or saga.name in saga_names)
                and (
                    saga.status is SagaStatus.FAILED
                    or (saga.status in _IN_PROGRESS and saga.updated <= stale_ts)
                )
            ),
            key=lambda saga: saga.updated,
        )[: max(limit, 0)]
        for saga in due:
            saga.lease = lease_until.timestamp()
            saga.attempts += 1
        return [SagaClaim(saga.saga_id, saga.name, saga.attempts) for saga in due]

    async def list_sagas(
        self,
        *,
        statuses: frozenset[SagaStatus] | None = None,
        min_recovery_attempts: int = 0,
        limit: int = 100,
    ) -> list[SagaRecord]:
        """Stored sagas of `statuses` (all when None), least recently updated first."""
        chosen = sorted(
            (
                saga
                for saga in self._sagas.values()
                if (statuses is None or saga.status in statuses)
                and saga.attempts >= min_recovery_attempts
            ),
            key=lambda saga: saga.updated,
        )
        return [self._record(saga) for saga in chosen[: max(limit, 0)]]

    def _get(self, saga_id: uuid.UUID) -> _Saga:
        return self._sagas.get(saga_id.int) or self._missing(saga_id)

    @staticmethod
    def _conflict(saga_id: uuid.UUID, saga: _Saga, expected: int) -> SagaConcurrencyError:
        return SagaConcurrencyError(
            f"saga {saga_id} is at version {saga.version}, not {expected}: it was updated "
            "concurrently; reload it (load_saga_state) before updating"
        )

    @staticmethod
    def _missing(saga_id: uuid.UUID) -> _Saga:
        raise SagaNotFoundError(
            f"no saga with id {saga_id!r} in this storage; check the id, or that the "
            "same storage object is used to run and to recover the saga"
        )
