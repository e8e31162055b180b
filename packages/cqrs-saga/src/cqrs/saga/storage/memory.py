"""`MemorySagaStorage`: the dependency-free `ISagaStorage`, for tests and single processes."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import uuid
from typing import Any

from cqrs.saga.exceptions import (
    SagaAlreadyExistsError,
    SagaConcurrencyError,
    SagaNotFoundError,
)
from cqrs.saga.models import SagaAction, SagaLogEntry, SagaStatus, SagaStepStatus
from cqrs.saga.storage.protocol import RECOVERABLE, SagaRecord

__all__ = ["MemorySagaStorage"]


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class MemorySagaStorage:
    """Keeps sagas and their step logs in dictionaries of this object.

    Nothing survives the process: use it for tests, demos and sagas whose
    recovery after a crash does not matter. The storage keeps the context dict it
    is given (the engine passes a fresh `to_dict()` each time; do not mutate one
    after passing it) and hands out copies, so mutating a loaded context changes
    nothing stored.
    """

    def __init__(self) -> None:
        self._sagas: dict[uuid.UUID, SagaRecord] = {}
        self._logs: dict[uuid.UUID, list[SagaLogEntry]] = {}

    async def create_saga(
        self,
        saga_id: uuid.UUID,
        name: str,
        context: dict[str, Any],
        *,
        fingerprint: str = "",
    ) -> None:
        """Store a new RUNNING saga at version 1; an existing id raises `SagaAlreadyExistsError`."""
        if saga_id in self._sagas:
            raise SagaAlreadyExistsError(
                f"a saga with id {saga_id} already exists in this storage; use a new id "
                "(uuid.uuid4()) or resume the existing one with recover_saga"
            )
        now = _utc_now()
        self._sagas[saga_id] = SagaRecord(
            saga_id=saga_id,
            name=name,
            fingerprint=fingerprint,
            status=SagaStatus.RUNNING,
            context=context,
            version=1,
            created_at=now,
            updated_at=now,
        )
        self._logs[saga_id] = []

    async def update_context(
        self, saga_id: uuid.UUID, context: dict[str, Any], current_version: int | None = None
    ) -> None:
        """Replace the context and bump the version (checked when `current_version` is given)."""
        record = self._get(saga_id)
        if current_version is not None and record.version != current_version:
            raise SagaConcurrencyError(
                f"saga {saga_id} is at version {record.version}, not {current_version}: it was "
                "updated concurrently; reload it (load_saga_state) before updating"
            )
        self._sagas[saga_id] = dataclasses.replace(
            record,
            context=context,
            version=record.version + 1,
            updated_at=_utc_now(),
        )

    async def update_status(self, saga_id: uuid.UUID, status: SagaStatus) -> None:
        """Set the saga's status."""
        record = self._get(saga_id)
        self._sagas[saga_id] = dataclasses.replace(
            record, status=SagaStatus(status), updated_at=_utc_now()
        )

    async def log_step(
        self,
        saga_id: uuid.UUID,
        step_name: str,
        action: SagaAction,
        status: SagaStepStatus,
        details: str = "",
    ) -> None:
        """Append one entry to the saga's step history."""
        self._get(saga_id)
        entry = SagaLogEntry(
            saga_id=saga_id,
            step_name=step_name,
            action=SagaAction(action),
            status=SagaStepStatus(status),
            details=details,
        )
        self._logs[saga_id].append(entry)

    async def load_saga_state(self, saga_id: uuid.UUID) -> tuple[SagaStatus, dict[str, Any], int]:
        """`(status, context, version)` of the saga."""
        record = self._get(saga_id)
        return record.status, copy.deepcopy(record.context), record.version

    async def load_saga(self, saga_id: uuid.UUID) -> SagaRecord:
        """The whole stored record of the saga (a copy)."""
        record = self._get(saga_id)
        return dataclasses.replace(record, context=copy.deepcopy(record.context))

    async def get_step_history(self, saga_id: uuid.UUID) -> list[SagaLogEntry]:
        """The saga's step log, oldest entry first."""
        self._get(saga_id)
        return list(self._logs[saga_id])

    async def get_sagas_for_recovery(
        self, limit: int = 100, *, saga_name: str | None = None
    ) -> list[uuid.UUID]:
        """RUNNING, COMPENSATING and FAILED sagas (of `saga_name`, if given), oldest first."""
        candidates = sorted(
            (
                record
                for record in self._sagas.values()
                if record.status in RECOVERABLE and saga_name in (None, record.name)
            ),
            key=lambda record: record.updated_at,
        )
        return [record.saga_id for record in candidates[:limit]]

    def _get(self, saga_id: uuid.UUID) -> SagaRecord:
        try:
            return self._sagas[saga_id]
        except KeyError:
            raise SagaNotFoundError(
                f"no saga with id {saga_id!r} in this storage; check the id, or that the "
                "same storage object is used to run and to recover the saga"
            ) from None
