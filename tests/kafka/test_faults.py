"""Faults against a real broker: the broker dies mid-relay; a consumer dies mid-batch.

tansu runs with memory storage: records acknowledged before a kill are gone after
the restart. The relay test therefore checks, per event, that it was either
acknowledged before the kill or is on the topic after the restart: nothing is lost
by the relay, whatever the broker keeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import cqrs
from cqrs.events.processor import notification_message
from cqrs.kafka import KafkaMessageBroker, KafkaProducer
from cqrs.kafka.consumer import Outcome
from cqrs.kafka.serialization import MESSAGE_ID_HEADER
from cqrs.outbox import EventStatus
from cqrs.outbox.memory import MemoryOutboxedEventRepository, MemoryOutboxStore

pytestmark = [pytest.mark.anyio, pytest.mark.services]

HERE = Path(__file__).resolve().parent


class Payload(cqrs.Response):
    n: int


class Numbered(cqrs.NotificationEvent[Payload]):
    event_name: str = "Numbered"


class TestBrokerKilledMidRelay:
    async def test_outbox_rows_wait_for_the_restarted_broker(
        self, kafka_process: Any, until: Any
    ) -> None:
        from cqrs.producer import EventProducer

        topic = f"cqrs-relay-{uuid.uuid4().hex[:8]}"
        await kafka_process.tools.create_topics(topic)
        store = MemoryOutboxStore()
        # The outbox's clock: frozen while the broker is down, so failed rows stay
        # not due until the restarted broker has its topic again (tansu accepts
        # records for a topic it forgot without listing it).
        clock = [datetime.now(timezone.utc)]

        def outbox() -> MemoryOutboxedEventRepository:
            return MemoryOutboxedEventRepository(
                store,
                now=lambda: clock[0],
                max_attempts=1000,
                backoff_base=timedelta(seconds=1),
            )

        async def add(numbers: range) -> set[str]:
            repository = outbox()
            events = [Numbered(topic=topic, payload=Payload(n=n)) for n in numbers]
            for event in events:
                repository.add(event)
            await repository.commit()
            return {str(event.event_id) for event in events}

        def produced() -> set[str]:
            return {str(row.event_id) for row in store.rows() if row.status is EventStatus.PRODUCED}

        producer = KafkaProducer(
            kafka_process.bootstrap,
            enable_idempotence=False,
            options={"request_timeout_ms": 1000, "retry_backoff_ms": 50},
        )
        broker = KafkaMessageBroker(producer)
        relay = EventProducer(broker, outbox(), batch_size=10, idle_sleep=0.1)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        try:
            before = await add(range(5))
            await until(lambda: produced() >= before, what="first batch produced")
            kafka_process.kill()
            after = await add(range(5, 10))
            # The relay tries while the broker is down: every row of the batch fails and waits.
            await until(
                lambda: all(row.attempts > 0 for row in store.rows() if str(row.event_id) in after),
                what="failed sends while the broker is down",
            )
            assert not produced() & after
            kafka_process.start()
            await kafka_process.tools.create_topics(topic)
            clock[0] += timedelta(hours=1)  # the retries are due
            await until(lambda: produced() == before | after, timeout=60, what="all produced")
        finally:
            stop.set()
            await task
            await broker.stop()
        records = await kafka_process.tools.read(topic, len(after))
        on_topic = {dict(r.headers)[MESSAGE_ID_HEADER].decode() for r in records}
        assert on_topic == after  # the restarted broker got every event of the outage


@pytest.fixture
def inbox_consumer(import_file: Any) -> ModuleType:
    """tests/kafka/sqlite_inbox_consumer.py, imported."""
    module: ModuleType = import_file(HERE / "sqlite_inbox_consumer.py")
    return module


class TestConsumerKilledMidBatch:
    async def test_redelivered_records_take_effect_once(
        self, kafka: Any, topic: str, tmp_path: Path, inbox_consumer: Any, until: Any
    ) -> None:
        await kafka.create_topics(topic)
        group, db = f"group-{uuid.uuid4().hex[:8]}", str(tmp_path / "read-model.db")
        async with KafkaMessageBroker(
            KafkaProducer(kafka.bootstrap, enable_idempotence=False)
        ) as broker:
            for n in range(6):
                event = inbox_consumer.Numbered(topic=topic, payload=inbox_consumer.Payload(n=n))
                await broker.send_message(notification_message(event))
        # The first member handles 0..2 (committed in SQLite, offsets not yet in
        # Kafka: they are committed after the batch) and is killed while on 3.
        first = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "sqlite_inbox_consumer.py"),
                kafka.bootstrap,
                topic,
                group,
                db,
                "3",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = await asyncio.to_thread(first.stdout.readline)  # type: ignore[union-attr]
            assert line == "blocked 3\n"
        finally:
            first.kill()
            first.wait()
            first.stdout.close()  # type: ignore[union-attr]
        with contextlib.closing(inbox_consumer.connect(db)) as connection:
            assert sorted(n for (n,) in connection.execute("SELECT n FROM effects")) == [0, 1, 2]
            second = inbox_consumer.build(kafka.bootstrap, topic, group, db, None, connection)
            stop = asyncio.Event()
            task = asyncio.create_task(second.run(stop))
            try:
                await until(lambda: sum(second.counts.values()) == 6, timeout=60, what="6 settled")
            finally:
                stop.set()
                await task
            assert second.counts[Outcome.DUPLICATE] == 3  # 0..2 came again; the inbox knew them
            effects = sorted(n for (n,) in connection.execute("SELECT n FROM effects"))
            assert effects == list(range(6))
