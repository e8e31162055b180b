"""Errors of cqrs-outbox-sqlalchemy, under the core's `cqrs.outbox.OutboxError`."""

from __future__ import annotations

from cqrs.exceptions import ConfigurationError
from cqrs.outbox.exceptions import OutboxError

__all__ = ["OutboxConfigurationError", "OutboxDatabaseError", "OutboxPayloadError"]


class OutboxDatabaseError(OutboxError):
    """A relay-side statement failed in the database (the cause is chained).

    The repository rolled its session back, so it can be used again: a relay
    retries on its next iteration, and rows it had claimed come back after their lease.
    """


class OutboxPayloadError(OutboxError, ValueError):
    """A stored payload could not be decoded (compressed without a compressor, or corrupt)."""


class OutboxConfigurationError(OutboxError, ConfigurationError, TypeError):
    """A table, metadata or URL given to cqrs-outbox-sqlalchemy cannot be used."""
