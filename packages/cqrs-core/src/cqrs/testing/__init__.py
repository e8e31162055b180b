"""Test support for applications and for implementations of the cqrs protocols.

- `OutboxRepositoryConformance`: the shared test suite of `OutboxedEventRepository`.
- `InboxRepositoryConformance`: the shared test suite of `InboxRepository`.
- `FlakyMessageBroker`: a broker that fails chosen sends.
- `ManualClock`: a `now()` that moves only when told.

Importing this package does not import pytest (pytest is not a dependency of cqrs-core).
"""

from __future__ import annotations

from cqrs.testing.brokers import FlakyMessageBroker
from cqrs.testing.clock import ManualClock
from cqrs.testing.inbox import InboxRepositoryConformance
from cqrs.testing.outbox import OutboxRepositoryConformance

__all__ = [
    "FlakyMessageBroker",
    "InboxRepositoryConformance",
    "ManualClock",
    "OutboxRepositoryConformance",
]
