"""`KafkaEventConsumer`: Kafka records → events → `EventMediator`, at least once.

    consumer = KafkaEventConsumer(
        "localhost:9092", ["user_events"], "read-model", mediator,
        event_types=[UserJoined, UserLeft],
    )
    await consumer.run()  # until cancelled, or `stop` is set, or SIGTERM (handle_signals)

Offsets are committed only for records that were settled (handled, found in
the inbox, or dead-lettered), once per partition after each fetched batch,
when the consumer stops, and before a rebalance takes a partition away. A
record whose offset was not committed is delivered again, possibly to another
group member: with an `inbox`, its effect is still applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError
from aiokafka.errors import KafkaError as AIOKafkaError

from cqrs.inbox.protocol import InboxRepository
from cqrs.kafka._service import Service, shielded
from cqrs.kafka.dead_letter import DeadLetterPublisher
from cqrs.kafka.exceptions import KafkaConfigurationError, KafkaConnectionError
from cqrs.kafka.processing import Outcome, RecordProcessor, RetryPolicy
from cqrs.kafka.producer import split_servers
from cqrs.kafka.serialization import Codec, event_name_of
from cqrs.mediator import EventMediator

__all__ = ["KafkaEventConsumer", "Outcome", "RetryPolicy"]

logger: logging.Logger = logging.getLogger("cqrs.kafka.consumer")

_POLL_MS = 200  # how long one fetch waits; bounds how late a set `stop` is noticed


class KafkaEventConsumer(Service):
    """Consumes events from Kafka topics in a consumer group and dispatches them.

    - `event_types`: the event classes to build, recognised by the
      `cqrs-message-name` header (or the JSON `event_name`): a sequence of
      classes with a default `event_name`, or a mapping `{name: class}`.
    - `codec`: decodes by the `content-type` header (JSON, or protobuf for the
      types it registers).
    - `retry`: a failing dispatch is retried with backoff; then, like an
      undecodable or unknown record, the record goes to `dead_letter_topic`
      (`"{topic}"` is the source topic; None logs and drops it instead).
    - `inbox`: a factory of one `InboxRepository` unit of work per record;
      records it has seen for `consumer_name` (default: the group) are skipped.
    - `producer_options` go to the dead-letter producer (e.g.
      `enable_idempotence=False` for brokers without producer ids), and
      `consumer_options` to `aiokafka.AIOKafkaConsumer`.
    """

    def __init__(
        self,
        bootstrap_servers: str | Sequence[str],
        topics: Sequence[str],
        group_id: str,
        mediator: EventMediator,
        *,
        event_types: Sequence[type[Any]] | Mapping[str, type[Any]],
        codec: Codec | None = None,
        retry: RetryPolicy | None = None,
        dead_letter_topic: str | None = "{topic}.dlq",
        inbox: Callable[[], InboxRepository] | None = None,
        consumer_name: str | None = None,
        max_records: int = 500,
        auto_offset_reset: str = "earliest",
        producer_options: Mapping[str, Any] | None = None,
        consumer_options: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(topics, str) or not topics:
            raise KafkaConfigurationError(
                f"topics must be a non-empty list of topic names, got {topics!r}"
            )
        if not isinstance(max_records, int) or max_records < 1:
            raise KafkaConfigurationError(
                f"max_records must be an integer >= 1, got {max_records!r}"
            )
        if not group_id:
            raise KafkaConfigurationError("group_id must name the consumer group, got ''")
        types = (
            dict(event_types)
            if isinstance(event_types, Mapping)
            else {event_name_of(event_type): event_type for event_type in event_types}
        )
        if not types:
            raise KafkaConfigurationError("event_types is empty: give the event classes to build")
        self.bootstrap_servers: list[str] = split_servers(bootstrap_servers)
        self.topics: list[str] = list(topics)
        self.group_id: str = group_id
        self.dead_letter_topic: str | None = dead_letter_topic
        self.max_records: int = max_records
        self._consumer_settings: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "group_id": group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": auto_offset_reset,
            **(consumer_options or {}),
        }
        self._producer_settings: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "acks": "all",
            **(producer_options or {}),
        }
        self._processor = RecordProcessor(
            mediator=mediator,
            event_types=types,
            codec=codec if codec is not None else Codec(),
            retry=retry if retry is not None else RetryPolicy(),
            inbox=inbox,
            consumer_name=consumer_name or group_id,
            dead_letters=None,
        )
        self._consumer: Any = None
        self._producer: Any = None
        # Offsets of settled records not yet committed, per partition.
        self._settled: dict[Any, int] = {}
        self._rebalances = 0  # bumped by each revocation
        #: How many records ended in each `Outcome` since the consumer was built.
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    async def start(self) -> None:
        """Join the group (idempotent); `KafkaConnectionError` if Kafka is unreachable."""
        if self._consumer is not None:
            return
        consumer = AIOKafkaConsumer(**self._consumer_settings)
        producer = AIOKafkaProducer(**self._producer_settings) if self.dead_letter_topic else None
        try:
            consumer.subscribe(self.topics, listener=_CommitOnRevoke(self))
            await consumer.start()
            if producer is not None:
                await producer.start()
        except AIOKafkaError as exc:
            await consumer.stop()
            if producer is not None:
                await producer.stop()
            raise KafkaConnectionError(
                f"cannot start the Kafka consumer of group {self.group_id!r} on "
                f"{','.join(self.bootstrap_servers)}: {type(exc).__name__}: {exc}"
            ) from exc
        self._consumer, self._producer = consumer, producer
        self._processor.dead_letters = (
            DeadLetterPublisher(producer, self.dead_letter_topic, self.group_id)
            if producer is not None and self.dead_letter_topic
            else None
        )

    async def stop(self) -> None:
        """Commit what was settled, leave the group and disconnect (idempotent)."""
        consumer, producer = self._consumer, self._producer
        if consumer is None:
            return
        try:
            await self._commit()
        finally:
            self._consumer = self._producer = None
            await consumer.stop()
            if producer is not None:
                await producer.stop()

    def assignment(self) -> set[tuple[str, int]]:
        """The (topic, partition) pairs this member owns now; empty before it joined."""
        consumer = self._consumer
        if consumer is None:
            return set()
        return {(tp.topic, tp.partition) for tp in consumer.assignment()}

    async def run(self, stop: asyncio.Event | None = None, *, handle_signals: bool = False) -> None:
        """Consume until `stop` is set, the task is cancelled or (with
        `handle_signals`) SIGTERM or SIGINT arrives; then stop gracefully.

        The record being handled when `stop` is set is finished first; on
        cancellation it is abandoned uncommitted (it will be delivered again).
        Settled offsets are committed in both cases.
        """
        stop = stop if stop is not None else asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
        for signum in signals:
            loop.add_signal_handler(signum, stop.set)
        try:
            await self.start()
            while not stop.is_set():
                await self.poll_once(stop)
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
            await shielded(self.stop())

    async def poll_once(self, stop: asyncio.Event | None = None) -> int:
        """Fetch one batch, settle its records and commit them; return how many were settled.

        Once `stop` is set, the rest of the batch is left unsettled (delivered again later).
        """
        if self._consumer is None:
            await self.start()
        consumer = self._consumer
        try:
            batches = await consumer.getmany(timeout_ms=_POLL_MS, max_records=self.max_records)
        except AIOKafkaError as exc:
            raise KafkaConnectionError(
                f"cannot fetch records of {self.topics} for group {self.group_id!r}: "
                f"{type(exc).__name__}: {exc}; settled records are committed on stop, "
                "the others are delivered again"
            ) from exc
        settled = 0
        process, counts = self._processor.process, self.counts
        for partition, records in batches.items():
            rebalances = self._rebalances
            for record in records:
                if stop is not None and stop.is_set():
                    break  # stopping: the rest is delivered again later
                # Asking for the assignment costs a set per call: only after a rebalance.
                if self._rebalances != rebalances and partition not in consumer.assignment():
                    break  # revoked meanwhile: the new owner gets the rest
                outcome = await process(record)
                counts[outcome] += 1
                self._settled[partition] = record.offset + 1
                settled += 1
        await self._commit()
        return settled

    async def _commit(self, partitions: Any = None) -> None:
        consumer = self._consumer
        if consumer is None or not self._settled:
            return
        assigned = consumer.assignment()
        chosen = [
            tp
            for tp in self._settled
            if tp in assigned and (partitions is None or tp in partitions)
        ]
        offsets = {tp: self._settled.pop(tp) for tp in chosen}
        # Settled offsets of partitions no longer ours are dropped: the new owner
        # re-reads those records, and an inbox keeps their effect single.
        if partitions is None:
            self._settled.clear()
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except CommitFailedError as exc:
            logger.warning(
                "group %s lost partitions before committing %s; their records will be "
                "delivered again: %s",
                self.group_id,
                offsets,
                exc,
            )
        except AIOKafkaError as exc:
            raise KafkaConnectionError(
                f"cannot commit offsets {offsets} of group {self.group_id!r}: "
                f"{type(exc).__name__}: {exc}; the records will be delivered again"
            ) from exc

    def __repr__(self) -> str:
        return f"KafkaEventConsumer({self.topics!r}, group_id={self.group_id!r})"


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was settled of the partitions a rebalance takes away."""

    def __init__(self, owner: KafkaEventConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self.owner._rebalances += 1
        with contextlib.suppress(KafkaConnectionError):
            await self.owner._commit(set(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Nothing to do: positions come from the committed offsets."""
