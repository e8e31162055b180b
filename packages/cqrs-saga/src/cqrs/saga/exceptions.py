"""The exception tree of cqrs-saga; every class derives from `cqrs.CQRSError`."""

from __future__ import annotations

from cqrs.exceptions import ConfigurationError, CQRSError

__all__ = [
    "SagaAlreadyExistsError",
    "SagaCommandLineError",
    "SagaConcurrencyError",
    "SagaDefinitionChanged",
    "SagaDefinitionError",
    "SagaError",
    "SagaNotFoundError",
    "SagaStepTimeoutError",
    "SagaStorageError",
]


class SagaError(CQRSError):
    """Root of the errors raised by cqrs-saga."""


class SagaDefinitionError(SagaError, ConfigurationError):
    """A saga, a step, a fallback or a saga map is declared incorrectly."""


class SagaNotFoundError(SagaError, LookupError):
    """The storage holds no saga with the given id."""


class SagaAlreadyExistsError(SagaError):
    """`create_saga` was given the id of a saga the storage already holds."""


class SagaConcurrencyError(SagaError):
    """Optimistic versioning refused a context update: someone else updated the saga first."""


class SagaDefinitionChanged(SagaError):
    """A stored saga was started by a different list of steps than the saga class has now."""


class SagaStepTimeoutError(SagaError, TimeoutError):
    """A step's `act` ran longer than the step's declared `timeout`."""


class SagaStorageError(SagaError):
    """The saga storage's database refused or failed an operation (the cause is chained)."""


class SagaCommandLineError(SagaError):
    """`python -m cqrs.saga` was given an argument it cannot use (bad URL, import path, id)."""
