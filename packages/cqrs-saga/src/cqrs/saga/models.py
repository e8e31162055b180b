"""Saga data: the context base class, the status model and the step log entries."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from typing import Any

from cqrs._model import DataModel

__all__ = ["SagaAction", "SagaContext", "SagaLogEntry", "SagaStatus", "SagaStepStatus"]


class SagaContext(DataModel, base=True):
    """Base of saga contexts: the state shared by the steps of one saga run.

    Subclass it with or without `@dataclasses.dataclass`; the fields must round-trip
    through `to_dict()` / `from_dict(**data)` (the core wire format), because the
    context is persisted after every step and rebuilt from storage on recovery.
    """


class _TextEnum(str, enum.Enum):
    """A string enum that prints as its value (`f"{status}"` gives `completed`)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class SagaStatus(_TextEnum):
    """Where a saga stands; the last three are final unless recovery retries FAILED.

    - RUNNING: steps are being executed (or the run was interrupted: resumable).
    - COMPENSATING: a step failed; completed steps are being compensated.
    - COMPLETED: every step succeeded.
    - COMPENSATED: a step failed and every completed step was compensated.
    - FAILED: a step failed and at least one compensation could not be completed;
      recovery compensates the remaining steps once more.
    """

    RUNNING = "running"
    COMPENSATING = "compensating"
    COMPLETED = "completed"
    COMPENSATED = "compensated"
    FAILED = "failed"


class SagaAction(_TextEnum):
    """What a step log entry records: the step's `act` or its `compensate`."""

    ACT = "act"
    COMPENSATE = "compensate"


class SagaStepStatus(_TextEnum):
    """The outcome recorded by a step log entry."""

    COMPLETED = "completed"
    FAILED = "failed"


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


@dataclasses.dataclass(frozen=True)
class SagaLogEntry:
    """One line of a saga's step history (the SagaLog).

    `step_name` is the step's stable `name`; `details` holds the error of a
    failed entry (type and message), empty otherwise.
    """

    saga_id: uuid.UUID
    step_name: str
    action: SagaAction
    status: SagaStepStatus
    details: str = ""
    timestamp: datetime.datetime = dataclasses.field(default_factory=_utc_now)

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-compatible data."""
        return {
            "saga_id": str(self.saga_id),
            "step_name": self.step_name,
            "action": self.action.value,
            "status": self.status.value,
            "details": self.details,
            "timestamp": self.timestamp.isoformat(),
        }
