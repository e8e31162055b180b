"""cqrs.saga: orchestrated sagas with compensation, crash recovery and Mermaid diagrams.

This package belongs to the cqrs-saga distribution. The names below are also
reachable from the top level (`cqrs.Saga`, `cqrs.SagaMediator`, ...).
"""

from __future__ import annotations

from cqrs.saga.exceptions import (
    SagaAlreadyExistsError,
    SagaConcurrencyError,
    SagaDefinitionChanged,
    SagaDefinitionError,
    SagaError,
    SagaNotFoundError,
    SagaStepTimeoutError,
)
from cqrs.saga.fallback import Fallback
from cqrs.saga.map import SagaMap
from cqrs.saga.mediator import SagaMediator
from cqrs.saga.mermaid import SagaMermaid
from cqrs.saga.models import SagaAction, SagaContext, SagaLogEntry, SagaStatus, SagaStepStatus
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage
from cqrs.saga.storage.protocol import ISagaStorage

__all__ = [
    "Fallback",
    "ISagaStorage",
    "MemorySagaStorage",
    "Saga",
    "SagaAction",
    "SagaAlreadyExistsError",
    "SagaConcurrencyError",
    "SagaContext",
    "SagaDefinitionChanged",
    "SagaDefinitionError",
    "SagaError",
    "SagaLogEntry",
    "SagaMap",
    "SagaMediator",
    "SagaMermaid",
    "SagaNotFoundError",
    "SagaStatus",
    "SagaStepHandler",
    "SagaStepResult",
    "SagaStepStatus",
    "SagaStepTimeoutError",
]
