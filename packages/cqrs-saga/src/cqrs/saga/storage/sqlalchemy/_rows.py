"""Rows of the saga tables to and from the storage's values (JSON context, records, errors)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cqrs.saga.exceptions import SagaNotFoundError, SagaStorageError
from cqrs.saga.models import SagaStatus
from cqrs.saga.storage.protocol import SagaRecord

__all__ = ["dumps", "missing", "record", "rowcount"]


def record(row: Any) -> SagaRecord:
    """The `SagaRecord` of an executions row."""
    return SagaRecord(
        saga_id=row.saga_id,
        name=row.name,
        fingerprint=row.fingerprint,
        status=SagaStatus(row.status),
        context=json.loads(row.context),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        recovery_attempts=row.recovery_attempts,
    )


def rowcount(result: Any) -> int:
    """Rows matched by an UPDATE (-1 when the driver cannot tell)."""
    return int(getattr(result, "rowcount", -1))


def dumps(saga_id: uuid.UUID, context: dict[str, Any]) -> str:
    """The context as compact JSON text; a value JSON cannot hold raises `SagaStorageError`."""
    try:
        return json.dumps(context, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SagaStorageError(
            f"the context of saga {saga_id} is not JSON data ({exc}): {context!r}; give the "
            "context fields types that to_dict() turns into JSON (str, numbers, lists, dicts)"
        ) from exc


def missing(saga_id: uuid.UUID) -> SagaNotFoundError:
    """The error for an id the tables do not hold."""
    return SagaNotFoundError(
        f"no saga with id {saga_id!r} in this storage; check the id, and that the same "
        "tables are used to run and to recover the saga"
    )
