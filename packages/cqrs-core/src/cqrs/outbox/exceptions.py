"""Errors raised by the transactional outbox (repositories and relay)."""

from __future__ import annotations

from cqrs.exceptions import CQRSError

__all__ = ["InvalidOutboxEventError", "OutboxError", "OutboxedEventNotFound"]


class OutboxError(CQRSError):
    """Root of the errors raised by outbox repositories and the relay."""


class InvalidOutboxEventError(OutboxError, TypeError):
    """`add()` received something that cannot be stored as a notification event.

    Raised for an object without the `INotificationEvent` attributes, or whose
    `to_dict()` is not JSON-compatible (it could not be relayed as a message).
    """


class OutboxedEventNotFound(OutboxError, LookupError):
    """A relay-side call named an outbox row id that the store does not hold."""
