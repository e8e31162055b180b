"""What `python -m cqrs.outbox` needs from a store, and how it finds stores and brokers.

A distribution that stores outboxes registers, in the entry point group
`cqrs.outbox.repositories`, one entry per URL scheme (`postgresql`, `sqlite`, …).
Each entry is an `OutboxConnector`: called with the URL (and an optional table
name) it returns an async context manager giving an `OutboxHandle` — a relay-side
repository plus the counts of `stats`. The core names no store of its own here:
it never imports an extra, it asks the installed ones.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import json
import sys
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from importlib.metadata import entry_points
from typing import Any, Protocol

from cqrs.message_brokers.devnull import DevnullMessageBroker
from cqrs.message_brokers.protocol import Message, MessageBroker
from cqrs.outbox.exceptions import OutboxError
from cqrs.outbox.protocol import EventStatus, OutboxedEventRepository

__all__ = [
    "ENTRY_POINT_GROUP",
    "OutboxConnector",
    "OutboxHandle",
    "OutboxListeningHandle",
    "OutboxStats",
    "StdoutMessageBroker",
    "load_broker",
    "open_outbox",
]

ENTRY_POINT_GROUP = "cqrs.outbox.repositories"


@dataclasses.dataclass(frozen=True)
class OutboxStats:
    """Rows per status, and how long the oldest due row has waited (None: nothing is due)."""

    counts: dict[EventStatus, int]
    oldest_due_age: timedelta | None


class OutboxHandle(Protocol):
    """An open outbox store: its relay-side repository and its statistics."""

    @property
    def repository(self) -> OutboxedEventRepository:
        """The repository to relay, list and requeue with."""
        ...

    async def stats(self) -> OutboxStats:
        """Counts per status and the age of the oldest due row."""
        ...


class OutboxListeningHandle(OutboxHandle, Protocol):
    """A handle whose store can tell relays of new rows (`relay --listen`)."""

    def listen(self) -> AbstractAsyncContextManager[asyncio.Event]:
        """Listen for new rows; the event is set on each notification, until exit."""
        ...


class OutboxConnector(Protocol):
    """An entry point of `cqrs.outbox.repositories`: opens the store at `url`."""

    def __call__(
        self, url: str, *, table: str | None = None
    ) -> AbstractAsyncContextManager[OutboxHandle]:
        """Return a context manager that opens the store and closes it on exit."""
        ...


def open_outbox(url: str, *, table: str | None = None) -> AbstractAsyncContextManager[OutboxHandle]:
    """Open the outbox at `url` with the connector registered for its scheme."""
    scheme = url.partition(":")[0].partition("+")[0].lower()
    found = entry_points(group=ENTRY_POINT_GROUP).select(name=scheme)
    if not found:
        known = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
        raise OutboxError(
            f"no outbox store is installed for URL scheme {scheme!r} (from {url!r}); installed "
            f"schemes: {', '.join(known) or 'none'}. For SQL databases: "
            "pip install 'cqrs-outbox-sqlalchemy[postgres]' (or [mysql], [sqlite])"
        )
    connector: OutboxConnector = next(iter(found)).load()
    return connector(url, table=table)


class StdoutMessageBroker:
    """Writes each message as one JSON line to standard output (for trying a relay out)."""

    async def send_message(self, message: Message) -> None:
        """Print the message as JSON."""
        line = {
            "message_name": message.message_name,
            "message_id": str(message.message_id),
            "topic": message.topic,
            "key": message.key,
            "payload": message.payload,
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


def load_broker(spec: str) -> MessageBroker:
    """`stdout`, `devnull`, or `package.module:factory` (a callable returning a broker)."""
    if spec == "stdout":
        return StdoutMessageBroker()
    if spec == "devnull":
        return DevnullMessageBroker()
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise OutboxError(
            f"unknown broker {spec!r}: use stdout, devnull, or module:factory naming a callable "
            "that returns a MessageBroker (e.g. myapp.messaging:make_broker)"
        )
    try:
        factory: Any = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise OutboxError(f"cannot load broker factory {spec!r}: {exc}") from exc
    broker = factory()
    if not callable(getattr(broker, "send_message", None)):
        raise OutboxError(
            f"broker factory {spec!r} returned {broker!r}, which has no send_message(): "
            "return a cqrs MessageBroker"
        )
    return broker  # type: ignore[no-any-return]
