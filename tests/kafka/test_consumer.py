"""`KafkaEventConsumer` against a real Kafka-protocol broker: dispatch, commits, retries, DLQ."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

import cqrs
from cqrs.events import bootstrap as event_bootstrap
from cqrs.events.processor import notification_message
from cqrs.inbox import MemoryInboxRepository, MemoryInboxStore
from cqrs.kafka import KafkaEventConsumer, KafkaMessageBroker, KafkaProducer
from cqrs.kafka.consumer import Outcome, RetryPolicy

pytestmark = [pytest.mark.anyio, pytest.mark.services]


class OrderPayload(cqrs.Response):
    order_id: str
    amount: int


class OrderPlaced(cqrs.NotificationEvent[OrderPayload]):
    event_name: str = "OrderPlaced"


SEEN: dict[str, list[str]] = {}  # test id -> order ids handled
FAILURES: dict[str, int] = {}  # order id -> failures still to raise


class RecordOrder(cqrs.EventHandler[OrderPlaced]):
    async def handle(self, event: OrderPlaced) -> None:
        order = event.payload.order_id
        if FAILURES.get(order, 0) != 0:
            FAILURES[order] -= 1
            raise RuntimeError(f"read model unavailable for {order}")
        SEEN.setdefault(order.split("/")[0], []).append(order)


def mediator() -> cqrs.EventMediator:
    return event_bootstrap.bootstrap(
        events_mapper=lambda m: m.bind(OrderPlaced, RecordOrder),
    )


def order(run: str, n: int, topic: str) -> OrderPlaced:
    return OrderPlaced(topic=topic, payload=OrderPayload(order_id=f"{run}/{n}", amount=n))


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
async def broker(kafka: Any) -> AsyncIterator[KafkaMessageBroker]:
    async with KafkaMessageBroker(
        KafkaProducer(kafka.bootstrap, enable_idempotence=False)
    ) as started:
        yield started


def consumer(kafka: Any, topic: str, **kwargs: Any) -> KafkaEventConsumer:
    kwargs.setdefault("retry", RetryPolicy(retries=2, backoff=0.01))
    return KafkaEventConsumer(
        kafka.bootstrap,
        [topic],
        f"group-{uuid.uuid4().hex[:8]}",
        mediator(),
        event_types=[OrderPlaced],
        producer_options={"enable_idempotence": False},
        **kwargs,
    )


@contextlib.asynccontextmanager
async def running(runner: KafkaEventConsumer) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await task


async def committed(kafka: Any, group: str, topic: str) -> int | None:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    probe = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id=group)
    await probe.start()
    try:
        offset: int | None = await probe.committed(TopicPartition(topic, 0))
        return offset
    finally:
        await probe.stop()


class TestKafkaEventConsumer:
    async def test_dispatches_in_order_and_commits_after_handling(
        self, kafka: Any, kafka_topic: str, broker: KafkaMessageBroker, run_id: str, until: Any
    ) -> None:
        for n in range(5):
            await broker.send_message(notification_message(order(run_id, n, kafka_topic)))
        runner = consumer(kafka, kafka_topic)
        async with running(runner):
            await until(lambda: len(SEEN.get(run_id, [])) == 5, what="5 orders handled")
        assert SEEN[run_id] == [f"{run_id}/{n}" for n in range(5)]
        assert await committed(kafka, runner.group_id, kafka_topic) == 5

    async def test_poison_records_go_to_the_dead_letter_topic(
        self, kafka: Any, kafka_topic: str, broker: KafkaMessageBroker, run_id: str, until: Any
    ) -> None:
        from aiokafka import AIOKafkaProducer

        await kafka.create_topics(f"{kafka_topic}.dlq")
        FAILURES[f"{run_id}/2"] = 99  # fails past every retry
        raw = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=False)
        await raw.start()
        try:
            await broker.send_message(
                notification_message(order(run_id, 0, kafka_topic))
            )  # offset 0
            await raw.send_and_wait(
                kafka_topic,
                b"{not json",
                headers=[  # offset 1
                    ("cqrs-message-name", b"OrderPlaced")
                ],
            )
            await raw.send_and_wait(kafka_topic, b'{"event_name": "Unheard"}')  # offset 2
            await broker.send_message(
                notification_message(order(run_id, 2, kafka_topic))
            )  # offset 3
            await broker.send_message(
                notification_message(order(run_id, 4, kafka_topic))
            )  # offset 4
        finally:
            await raw.stop()
        runner = consumer(kafka, kafka_topic)
        async with running(runner):
            await until(lambda: runner.counts[Outcome.DEAD_LETTERED] == 3, what="3 dead letters")
            await until(lambda: len(SEEN.get(run_id, [])) == 2, what="2 good orders")
        assert SEEN[run_id] == [f"{run_id}/0", f"{run_id}/4"]
        dead = await kafka.read(f"{kafka_topic}.dlq", 3)
        headers = [dict(record.headers) for record in dead]
        assert [h["cqrs-dlq-offset"] for h in headers] == [b"1", b"2", b"3"]
        assert {h["cqrs-dlq-topic"] for h in headers} == {kafka_topic.encode()}
        assert b"DeserializeError" in headers[0]["cqrs-dlq-error"]
        assert b"UnknownMessageTypeError" in headers[1]["cqrs-dlq-error"]
        assert b"read model unavailable" in headers[2]["cqrs-dlq-error"]
        assert headers[2]["cqrs-dlq-attempts"] == b"3"  # the first try and 2 retries
        assert dead[0].value == b"{not json"
        assert await committed(kafka, runner.group_id, kafka_topic) == 5

    async def test_a_failing_handler_is_retried_until_it_succeeds(
        self, kafka: Any, kafka_topic: str, broker: KafkaMessageBroker, run_id: str, until: Any
    ) -> None:
        FAILURES[f"{run_id}/0"] = 2  # fails twice, then succeeds on the last retry
        await broker.send_message(notification_message(order(run_id, 0, kafka_topic)))
        runner = consumer(kafka, kafka_topic)
        async with running(runner):
            await until(lambda: SEEN.get(run_id) == [f"{run_id}/0"], what="order handled")
        assert runner.counts[Outcome.HANDLED] == 1
        assert runner.counts[Outcome.DEAD_LETTERED] == 0

    async def test_with_an_inbox_a_redelivered_message_takes_effect_once(
        self, kafka: Any, kafka_topic: str, broker: KafkaMessageBroker, run_id: str, until: Any
    ) -> None:
        event = order(run_id, 0, kafka_topic)
        await broker.send_message(notification_message(event))
        await broker.send_message(notification_message(event))  # the outbox relay sent it twice
        await broker.send_message(notification_message(order(run_id, 1, kafka_topic)))
        store = MemoryInboxStore()
        runner = consumer(kafka, kafka_topic, inbox=lambda: MemoryInboxRepository(store))
        async with running(runner):
            await until(lambda: sum(runner.counts.values()) == 3, what="3 records settled")
        assert SEEN[run_id] == [f"{run_id}/0", f"{run_id}/1"]
        assert runner.counts[Outcome.DUPLICATE] == 1


BLOCKERS: dict[str, asyncio.Event] = {}  # order id -> released when set (never, here)


class BlockingOrder(cqrs.EventHandler[OrderPlaced]):
    async def handle(self, event: OrderPlaced) -> None:
        order = event.payload.order_id
        if order in BLOCKERS:
            await BLOCKERS[order].wait()
        SEEN.setdefault(order.split("/")[0], []).append(order)


class TestShutdown:
    async def test_cancellation_commits_what_was_handled_and_not_the_rest(
        self, kafka: Any, kafka_topic: str, broker: KafkaMessageBroker, run_id: str, until: Any
    ) -> None:
        BLOCKERS[f"{run_id}/2"] = asyncio.Event()  # the third record never finishes
        for n in range(4):
            await broker.send_message(notification_message(order(run_id, n, kafka_topic)))
        runner = KafkaEventConsumer(
            kafka.bootstrap,
            [kafka_topic],
            f"group-{uuid.uuid4().hex[:8]}",
            event_bootstrap.bootstrap(events_mapper=lambda m: m.bind(OrderPlaced, BlockingOrder)),
            event_types=[OrderPlaced],
            producer_options={"enable_idempotence": False},
        )
        task = asyncio.create_task(runner.run())
        await until(lambda: len(SEEN.get(run_id, [])) == 2, what="2 orders handled")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Records 0 and 1 are committed; 2 (cancelled mid-handler) and 3 will come again.
        assert await committed(kafka, runner.group_id, kafka_topic) == 2

    async def test_sigterm_stops_the_consumer_gracefully(
        self, kafka: Any, kafka_topic: str, broker: KafkaMessageBroker, run_id: str, until: Any
    ) -> None:
        import os
        import signal

        for n in range(3):
            await broker.send_message(notification_message(order(run_id, n, kafka_topic)))
        runner = consumer(kafka, kafka_topic)
        task = asyncio.create_task(runner.run(handle_signals=True))
        await until(lambda: len(SEEN.get(run_id, [])) == 3, what="3 orders handled")
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, timeout=30)  # returns: no exception, no hang
        assert await committed(kafka, runner.group_id, kafka_topic) == 3
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # handler removed again


class TestRebalance:
    async def test_a_second_member_joining_loses_nothing_and_repeats_nothing(
        self, kafka: Any, topic: str, broker: KafkaMessageBroker, run_id: str, until: Any
    ) -> None:
        await kafka.create_topics(topic, partitions=2)

        async def publish(numbers: range) -> None:
            for n in numbers:
                event = order(run_id, n, topic)
                await broker.send_message(notification_message(event))

        store, group = MemoryInboxStore(), f"group-{uuid.uuid4().hex[:8]}"

        def member() -> KafkaEventConsumer:
            return KafkaEventConsumer(
                kafka.bootstrap,
                [topic],
                group,
                mediator(),
                event_types=[OrderPlaced],
                inbox=lambda: MemoryInboxRepository(store),
                producer_options={"enable_idempotence": False},
            )

        first, second = member(), member()
        await publish(range(10))
        async with running(first):
            await until(lambda: len(SEEN.get(run_id, [])) == 10, what="10 orders on 1 member")
            async with running(second):  # joining moves a partition to the new member
                await until(lambda: len(second.assignment()) == 1, what="rebalanced")
                await publish(range(10, 20))
                await until(lambda: len(SEEN.get(run_id, [])) == 20, what="20 orders")
        assert sorted(SEEN[run_id]) == sorted(f"{run_id}/{n}" for n in range(20))
        assert first.counts[Outcome.DUPLICATE] + second.counts[Outcome.DUPLICATE] == 0


class TestConsumerSettings:
    def test_a_topic_string_is_refused(self) -> None:
        with pytest.raises(cqrs.kafka.KafkaConfigurationError, match="non-empty list"):
            KafkaEventConsumer("h:9092", "orders", "g", mediator(), event_types=[OrderPlaced])

    def test_an_event_type_without_default_name_needs_a_mapping(self) -> None:
        with pytest.raises(TypeError, match="no default event_name"):
            KafkaEventConsumer(
                "h:9092", ["orders"], "g", mediator(), event_types=[cqrs.NotificationEvent[int]]
            )

    def test_a_consumer_not_started_owns_no_partition(self) -> None:
        runner = KafkaEventConsumer(
            "h:9092", ["orders"], "g", mediator(), event_types={"Placed": OrderPlaced}
        )
        assert runner.assignment() == set()

    def test_max_records_must_be_positive(self) -> None:
        with pytest.raises(cqrs.kafka.KafkaConfigurationError, match="max_records"):
            KafkaEventConsumer(
                "h:9092", ["orders"], "g", mediator(), event_types=[OrderPlaced], max_records=0
            )
