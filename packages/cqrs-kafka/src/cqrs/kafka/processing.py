"""What the consumer does with one record: decode, dedupe, handle with retries, or give up.

Every record ends in one of three ways (`Outcome`): its handlers succeeded,
the inbox said its effect is already committed (a redelivery), or it went to
the dead-letter topic. Only then does the consumer commit its offset.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Mapping
from typing import Any

from cqrs.deserializers import DeserializeError
from cqrs.exceptions import EventRoutingError
from cqrs.inbox.protocol import InboxRepository
from cqrs.kafka.dead_letter import DeadLetterPublisher
from cqrs.kafka.exceptions import UnknownMessageTypeError
from cqrs.kafka.serialization import (
    CONTENT_TYPE_HEADER,
    JSON,
    MESSAGE_ID_HEADER,
    MESSAGE_NAME_HEADER,
    Codec,
    peek_event_name,
)
from cqrs.mediator import EventMediator

__all__ = ["Outcome", "RecordProcessor", "RetryPolicy"]

logger: logging.Logger = logging.getLogger("cqrs.kafka.consumer")

InboxFactory = Callable[[], InboxRepository]


class Outcome(str, enum.Enum):
    """How a record was settled."""

    HANDLED = "handled"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


class RetryPolicy:
    """`retries` more attempts after the first, waiting `backoff * 2**n` (at most `max_backoff`)."""

    __slots__ = ("backoff", "max_backoff", "retries")

    def __init__(self, retries: int = 3, backoff: float = 0.1, max_backoff: float = 5.0) -> None:
        if not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be an integer >= 0, got {retries!r}")
        if backoff < 0 or max_backoff < 0:
            raise ValueError(
                f"backoff and max_backoff must be >= 0 seconds, got {backoff!r}, {max_backoff!r}"
            )
        self.retries: int = retries
        self.backoff: float = float(backoff)
        self.max_backoff: float = float(max_backoff)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))


class RecordProcessor:
    """Settles one record at a time (see the module docstring)."""

    def __init__(
        self,
        *,
        mediator: EventMediator,
        event_types: Mapping[str, type[Any]],
        codec: Codec,
        retry: RetryPolicy,
        inbox: InboxFactory | None,
        consumer_name: str,
        dead_letters: DeadLetterPublisher | None,
    ) -> None:
        self.mediator: EventMediator = mediator
        self.event_types: dict[str, type[Any]] = dict(event_types)
        self.codec: Codec = codec
        self.retry: RetryPolicy = retry
        self.inbox: InboxFactory | None = inbox
        self.consumer_name: str = consumer_name
        self.dead_letters: DeadLetterPublisher | None = dead_letters

    async def process(self, record: Any) -> Outcome:
        """Settle `record`; raises only when it cannot be dead-lettered (or on cancellation)."""
        headers = dict(record.headers)
        try:
            event = self._decode(record, headers)
        except (DeserializeError, UnknownMessageTypeError) as exc:
            return await self._give_up(record, exc, attempts=0)
        message_id = _message_id(record, headers, event)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._handle(event, message_id)
            except EventRoutingError as exc:  # configuration: retrying cannot help
                return await self._give_up(record, exc, attempts=attempt)
            except Exception as exc:
                if attempt > self.retry.retries:
                    return await self._give_up(record, exc, attempts=attempt)
                logger.warning(
                    "handling %s from %s[%d]@%d failed (attempt %d of %d), retrying: %s",
                    type(event).__qualname__,
                    record.topic,
                    record.partition,
                    record.offset,
                    attempt,
                    self.retry.retries + 1,
                    exc,
                )
                await asyncio.sleep(self.retry.delay(attempt))

    def _decode(self, record: Any, headers: dict[str, bytes]) -> Any:
        raw_name = headers.get(MESSAGE_NAME_HEADER)
        name = raw_name.decode(errors="replace") if raw_name else peek_event_name(record.value)
        event_type = self.event_types.get(name) if name is not None else None
        if event_type is None:
            raise UnknownMessageTypeError(
                f"record {record.topic}[{record.partition}]@{record.offset} names event type "
                f"{name!r}, which this consumer was not given (known: "
                f"{', '.join(sorted(self.event_types))}); add it to event_types"
            )
        raw_type = headers.get(CONTENT_TYPE_HEADER)
        content_type = raw_type.decode(errors="replace") if raw_type else JSON
        return self.codec.decode(record.value or b"", content_type, event_type)

    async def _handle(self, event: Any, message_id: str) -> Outcome:
        if self.inbox is None:
            await self.mediator.send(event)
            return Outcome.HANDLED
        inbox = self.inbox()
        try:
            fresh = await inbox.record(message_id, self.consumer_name)
        except BaseException:
            await inbox.rollback()
            raise
        if not fresh:
            await inbox.rollback()  # ends the unit of work (a SQL transaction) it opened
            return Outcome.DUPLICATE
        try:
            await self.mediator.send(event)
        except BaseException:
            await inbox.rollback()
            raise
        await inbox.commit()
        return Outcome.HANDLED

    async def _give_up(self, record: Any, error: BaseException, attempts: int) -> Outcome:
        where = f"{record.topic}[{record.partition}]@{record.offset}"
        if self.dead_letters is None:
            logger.error("dropping record %s (no dead-letter topic): %s", where, error)
            return Outcome.DEAD_LETTERED
        await self.dead_letters.publish(record, error, attempts)
        logger.warning(
            "record %s sent to dead-letter topic %s: %s",
            where,
            self.dead_letters.topic_for(record.topic),
            error,
        )
        return Outcome.DEAD_LETTERED


def _message_id(record: Any, headers: dict[str, bytes], event: Any) -> str:
    raw = headers.get(MESSAGE_ID_HEADER)
    if raw:
        return raw.decode(errors="replace")
    event_id = getattr(event, "event_id", None)
    if event_id is not None:
        return str(event_id)
    return f"{record.topic}:{record.partition}:{record.offset}"
