"""`KafkaMessageBroker` against a real Kafka-protocol broker (tansu)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import pytest

import cqrs
from cqrs.adapters import kafka as kafka_adapter
from cqrs.kafka import KafkaConnectionError, KafkaProducer, KafkaPublishError
from cqrs.message_brokers import kafka as kafka_broker
from cqrs.message_brokers.protocol import BatchMessageBroker, Message

pytestmark = pytest.mark.anyio


def producer(bootstrap: str, **kwargs: object) -> KafkaProducer:
    # tansu refuses producer ids: idempotence off (see conftest).
    return kafka_adapter.kafka_producer_factory(
        dsn=bootstrap,
        enable_idempotence=False,
        **kwargs,  # type: ignore[arg-type]
    )


def message(topic: str, n: int = 1, key: str | None = None, **headers: str) -> Message:
    return Message(
        message_name="OrderPlaced",
        message_id=uuid.uuid4(),
        topic=topic,
        payload={"order_id": f"o-{n}", "amount": n},
        headers=headers,
        key=key,
    )


@pytest.mark.services
class TestKafkaMessageBroker:
    async def test_publishes_payload_as_json(self, kafka: Any, kafka_topic: str) -> None:
        async with kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap)) as broker:
            await broker.send_message(message(kafka_topic, 7))
        [record] = await kafka.read(kafka_topic, 1)
        assert json.loads(record.value) == {"amount": 7, "order_id": "o-7"}

    async def test_key_is_the_message_key(self, kafka: Any, kafka_topic: str) -> None:
        async with kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap)) as broker:
            await broker.send_message(message(kafka_topic, key="order-42"))
        [record] = await kafka.read(kafka_topic, 1)
        assert record.key == b"order-42"

    async def test_headers_carry_name_id_type_trace(self, kafka: Any, kafka_topic: str) -> None:
        sent = message(kafka_topic, traceparent="00-abc-def-01")
        async with kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap)) as broker:
            await broker.send_message(sent)
        [record] = await kafka.read(kafka_topic, 1)
        assert dict(record.headers) == {
            "cqrs-message-name": b"OrderPlaced",
            "cqrs-message-id": str(sent.message_id).encode(),
            "content-type": b"application/json",
            "traceparent": b"00-abc-def-01",
        }

    async def test_one_key_keeps_its_order(self, kafka: Any, topic: str) -> None:
        await kafka.create_topics(topic, partitions=3)
        async with kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap)) as broker:
            for n in range(20):
                await broker.send_message(message(topic, n, key="aggregate-1"))
        records = await kafka.read(topic, 20)
        assert len({r.partition for r in records}) == 1
        assert [json.loads(r.value)["amount"] for r in records] == list(range(20))

    async def test_send_before_start_starts_it(self, kafka: Any, kafka_topic: str) -> None:
        broker = kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap))
        try:
            await broker.send_message(message(kafka_topic))
        finally:
            await broker.stop()
        assert len(await kafka.read(kafka_topic, 1)) == 1

    async def test_factory_builds_no_aiokafka_producer_outside_a_loop(self) -> None:
        # Nothing is bound to an event loop until start(): the seeds build it at wiring time.
        built = kafka_adapter.kafka_producer_factory(dsn="localhost:9092", topics=["t1", "t2"])
        assert not built.started
        assert built.bootstrap_servers == ["localhost:9092"]
        assert built.acks == "all"
        assert built.enable_idempotence

    async def test_unreachable_cluster_raises_a_cqrs_error(self) -> None:
        broker = kafka_broker.KafkaMessageBroker(producer("127.0.0.1:1", request_timeout_ms=1000))
        with pytest.raises(KafkaConnectionError, match=r"127\.0\.0\.1:1") as caught:
            await broker.start()
        assert isinstance(caught.value, cqrs.CQRSError)
        assert caught.value.__cause__ is not None

    async def test_unacknowledged_send_raises_publish_error(self, kafka_process: Any) -> None:
        broker = kafka_broker.KafkaMessageBroker(
            producer(kafka_process.bootstrap, request_timeout_ms=1000)
        )
        await broker.start()
        try:
            kafka_process.kill()
            with pytest.raises(KafkaPublishError, match="did not acknowledge") as caught:
                await broker.send_message(message("cqrs-test-gone"))
            assert caught.value.topic == "cqrs-test-gone"
            assert isinstance(caught.value.__cause__, Exception)
        finally:
            await broker.stop()


@pytest.mark.services
class TestSendMessages:
    """`send_messages`: the batch path the outbox relay uses."""

    async def test_publishes_a_batch_in_order_and_reports_each(
        self, kafka: Any, topic: str
    ) -> None:
        await kafka.create_topics(topic, partitions=3)
        batch = [message(topic, n, key="aggregate-1") for n in range(30)]
        async with kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap)) as broker:
            assert isinstance(broker, BatchMessageBroker)
            assert await broker.send_messages(batch) == [None] * 30
        records = await kafka.read(topic, 30)
        assert len({r.partition for r in records}) == 1
        assert [json.loads(r.value)["amount"] for r in records] == list(range(30))
        assert [dict(r.headers)["cqrs-message-id"] for r in records] == [
            str(m.message_id).encode() for m in batch
        ]

    async def test_a_message_that_cannot_be_encoded_fails_alone(
        self, kafka: Any, kafka_topic: str
    ) -> None:
        bad = dataclasses.replace(message(kafka_topic, 2), payload={"when": object()})
        batch = [message(kafka_topic, 1), bad, message(kafka_topic, 3)]
        async with kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap)) as broker:
            first, failed, last = await broker.send_messages(batch)
        assert first is None
        assert last is None
        assert isinstance(failed, TypeError)
        records = await kafka.read(kafka_topic, 2)
        assert sorted(json.loads(r.value)["amount"] for r in records) == [1, 3]

    async def test_a_message_kafka_refuses_fails_alone(self, kafka: Any, kafka_topic: str) -> None:
        big = dataclasses.replace(message(kafka_topic, 2), payload={"blob": "x" * 4000})
        batch = [message(kafka_topic, 1), big]
        small = producer(kafka.bootstrap, max_request_size=2000)
        async with kafka_broker.KafkaMessageBroker(small) as broker:
            sent, refused = await broker.send_messages(batch)
        assert sent is None
        assert isinstance(refused, KafkaPublishError)
        assert refused.message_id == str(big.message_id)
        assert isinstance(refused.__cause__, Exception)
        [record] = await kafka.read(kafka_topic, 1)
        assert json.loads(record.value)["amount"] == 1

    @pytest.mark.parametrize("known_topic", [False, True])
    async def test_unacknowledged_batch_reports_publish_errors(
        self, kafka_process: Any, known_topic: bool
    ) -> None:
        # Unknown topic: the records cannot even be enqueued (no metadata). Known
        # topic: they are enqueued, and their deliveries fail.
        topic = f"cqrs-test-gone-{uuid.uuid4().hex[:8]}"
        broker = kafka_broker.KafkaMessageBroker(
            producer(kafka_process.bootstrap, request_timeout_ms=1000, retry_backoff_ms=50)
        )
        await broker.start()
        try:
            if known_topic:
                await kafka_process.tools.create_topics(topic)
                assert await broker.send_messages([message(topic)]) == [None]
            kafka_process.kill()
            outcomes = await broker.send_messages([message(topic, n) for n in range(3)])
            assert all(isinstance(outcome, KafkaPublishError) for outcome in outcomes)
            assert all(outcome.__cause__ is not None for outcome in outcomes if outcome)
        finally:
            await broker.stop()

    async def test_send_messages_before_start_starts_it(self, kafka: Any, kafka_topic: str) -> None:
        broker = kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap))
        try:
            assert await broker.send_messages([message(kafka_topic)]) == [None]
        finally:
            await broker.stop()
        assert len(await kafka.read(kafka_topic, 1)) == 1


class TestProducerSettings:
    def test_idempotence_needs_acks_all(self) -> None:
        with pytest.raises(cqrs.kafka.KafkaConfigurationError, match="acks='all'"):
            KafkaProducer("localhost:9092", acks=1)

    def test_empty_dsn_is_refused(self) -> None:
        with pytest.raises(cqrs.kafka.KafkaConfigurationError, match="no Kafka bootstrap"):
            KafkaProducer(" , ")

    def test_several_servers_in_one_dsn(self) -> None:
        assert KafkaProducer("h1:9092, h2:9092").bootstrap_servers == ["h1:9092", "h2:9092"]


@pytest.mark.services
class TestRelayedPayloads:
    """The outbox relay hands the broker each row's stored JSON, which it sends as is."""

    async def test_a_relayed_record_is_the_stored_json(
        self, kafka: Any, kafka_topic: str, tmp_path: Any
    ) -> None:
        from sqlalchemy import MetaData, insert
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        from cqrs.outbox.sqlalchemy import (
            SqlAlchemyOutboxedEventRepository,
            create_tables,
            outbox_table,
        )
        from cqrs.serializers import serialize_event

        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
        table = outbox_table("relayed", MetaData())
        await create_tables(engine, table)
        event = cqrs.NotificationEvent[dict[str, Any]](
            event_name="OrderPlaced", topic=kafka_topic, payload={"order_id": "o-1", "é": 1}
        )
        # A row as an earlier version wrote it: keys unsorted, non-ASCII escaped.
        legacy = b'{"topic":"%s","payload":{"z":1,"a":"\\u00e9"},"event_name":"Old"}' % (
            kafka_topic.encode()
        )
        try:
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            async with sessions() as session:
                outbox = SqlAlchemyOutboxedEventRepository(session, table=table)
                outbox.add(event)
                await outbox.commit()
                now = cqrs.outbox.memory.utc_now()
                await session.execute(
                    insert(table).values(
                        event_id=uuid.uuid4(),
                        event_name="Old",
                        topic=kafka_topic,
                        payload=legacy,
                        status="new",
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
                await session.commit()
                async with kafka_broker.KafkaMessageBroker(producer(kafka.bootstrap)) as broker:
                    report = await cqrs.EventProducer(broker, outbox).relay_once()
            assert report.produced == 2
        finally:
            await engine.dispose()
        new, old = await kafka.read(kafka_topic, 2)
        assert new.value == serialize_event(event)  # what a direct send gives
        assert old.value == legacy  # forwarded, not decoded and encoded again
