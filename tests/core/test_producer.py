"""EventProducer: relays the memory outbox to a broker once, with retries, never busy-polling."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

import cqrs
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.message_brokers.protocol import BatchMessageBroker, Message, MessageBroker
from cqrs.outbox import (
    EventStatus,
    MemoryOutboxedEventRepository,
    MemoryOutboxStore,
    OutboxedEvent,
)
from cqrs.producer import EventProducer, RelayReport
from cqrs.testing import FlakyMessageBroker, ManualClock

pytestmark = pytest.mark.anyio

BACKOFF = timedelta(seconds=10)
Event = cqrs.NotificationEvent[dict[str, Any]]


class CountingRepository(MemoryOutboxedEventRepository):
    """Counts claims and when they happened; raises on the first `fail_claims` of them.

    `stop_after(n, stop)` sets `stop` at the n-th claim, so a test ends a relay loop
    after a number of iterations instead of after a wall-clock time.
    """

    def __init__(self, *args: Any, fail_claims: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claims = 0
        self.claim_times: list[float] = []
        self.fail_claims = fail_claims
        self._stop_at: tuple[int, asyncio.Event] | None = None

    def stop_after(self, claims: int, stop: asyncio.Event) -> None:
        self._stop_at = (claims, stop)

    async def claim_batch(self, limit: int, *, lease: timedelta) -> list[OutboxedEvent]:
        self.claims += 1
        self.claim_times.append(asyncio.get_running_loop().time())
        if self._stop_at is not None and self.claims >= self._stop_at[0]:
            self._stop_at[1].set()
        if self.claims <= self.fail_claims:
            raise ConnectionError("database is down")
        return await super().claim_batch(limit, lease=lease)


def _assert_backs_off(claim_times: list[float], idle_sleep: float) -> None:
    """Each pause between claims lasted at least the doubling backoff's delay.

    Only lower bounds are asserted: a sleep never ends early, while a loaded machine
    may make it end late. A busy-polling loop has pauses of microseconds and fails.
    """
    pauses = [later - earlier for earlier, later in zip(claim_times, claim_times[1:])]
    delays = [min(idle_sleep, idle_sleep / 16 * 2**n) for n in range(len(pauses))]
    slack = 1e-3  # the event loop may fire a timer up to its clock resolution early
    assert pauses, "at least two claims are needed"
    assert all(pause >= delay - slack for pause, delay in zip(pauses, delays)), (pauses, delays)


class GateBroker(InMemoryMessageBroker):
    """Delivers `open_for` messages, then blocks every later send until cancelled."""

    def __init__(self, open_for: int) -> None:
        super().__init__()
        self.open_for = open_for
        self.blocked = asyncio.Event()

    async def send_message(self, message: Message) -> None:
        if len(self.messages) >= self.open_for:
            self.blocked.set()
            await asyncio.Event().wait()
        await super().send_message(message)


def _repository(
    store: MemoryOutboxStore | None = None, clock: ManualClock | None = None, **kwargs: Any
) -> CountingRepository:
    kwargs.setdefault("max_attempts", 3)
    return CountingRepository(
        store, now=clock or ManualClock(), backoff_base=BACKOFF, backoff_max=BACKOFF, **kwargs
    )


async def _commit(
    repository: MemoryOutboxedEventRepository, count: int, topic: str = "t"
) -> list[Event]:
    events = [Event(event_name=f"Happened{n}", topic=topic, payload={"n": n}) for n in range(count)]
    for event in events:
        repository.add(event)
    await repository.commit()
    return events


async def _wait_until(condition: Any, timeout: float = 2.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


class TestRelayOnce:
    async def test_sends_each_committed_event_once(self) -> None:
        repository, broker = _repository(), InMemoryMessageBroker()
        events = await _commit(repository, 3)
        producer = EventProducer(broker, repository)
        assert await producer.relay_once() == RelayReport(claimed=3, produced=3)
        assert await producer.relay_once() == RelayReport()
        assert [m.message_id for m in broker.messages] == [e.event_id for e in events]

    async def test_message_is_built_from_the_row(self) -> None:
        repository, broker = _repository(), InMemoryMessageBroker()
        [event] = await _commit(repository, 1, topic="users")
        await EventProducer(broker, repository).relay_once()
        assert broker.messages == [
            Message(
                message_name="Happened0",
                message_id=event.event_id,
                topic="users",
                payload=event.to_dict(),
            )
        ]

    async def test_to_message_gives_ordinary_frozen_messages(self) -> None:
        repository = _repository()
        await _commit(repository, 2)
        first, second = await repository.claim_batch(10, lease=timedelta(seconds=30))
        message, other = first.to_message(), second.to_message()
        assert message == Message(
            message_name=first.event_name,
            message_id=first.event_id,
            topic=first.topic,
            payload=first.payload,
            key=first.key,
        )
        assert set(vars(message)) == {f.name for f in dataclasses.fields(Message)}
        assert message.headers == {}
        assert message.headers is not other.headers
        with pytest.raises(dataclasses.FrozenInstanceError):
            message.topic = "elsewhere"  # type: ignore[misc]

    async def test_a_row_with_its_stored_json_passes_it_to_the_message(self) -> None:
        repository = _repository()
        await _commit(repository, 1)
        [row] = await repository.claim_batch(10, lease=timedelta(seconds=30))
        assert row.payload_json is None
        assert row.to_message().payload_json is None
        # What a store that keeps the JSON (the SQL outbox) sets on the rows it claims.
        object.__setattr__(row, "payload_json", b'{"stored":true}')
        message = row.to_message()
        assert message.payload_json == b'{"stored":true}'
        # Not a field of either: never compared, never a constructor argument, and a copy
        # made with another payload does not carry the bytes.
        assert message == dataclasses.replace(message)
        assert "payload_json" not in {f.name for f in dataclasses.fields(Message)}
        assert dataclasses.replace(message, payload={}).payload_json is None
        with pytest.raises(TypeError, match="payload_json"):
            Message(  # type: ignore[call-arg]
                message_name="m", message_id=row.event_id, topic="t", payload={}, payload_json=b""
            )

    async def test_uncommitted_events_are_not_sent(self) -> None:
        repository, broker = _repository(), InMemoryMessageBroker()
        repository.add(Event(event_name="Pending", topic="t", payload={}))
        assert await EventProducer(broker, repository).relay_once() == RelayReport()

    async def test_batch_size_limits_one_relay(self) -> None:
        repository = _repository()
        await _commit(repository, 5)
        producer = EventProducer(InMemoryMessageBroker(), repository, batch_size=2)
        assert (await producer.relay_once()).claimed == 2

    async def test_a_failing_send_does_not_block_the_others(self) -> None:
        repository, broker = _repository(), FlakyMessageBroker(fail_topics={"bad"})
        await _commit(repository, 1, topic="bad")
        await _commit(repository, 2, topic="good")
        report = await EventProducer(broker, repository).relay_once()
        assert report == RelayReport(claimed=3, produced=2, failed=1)
        assert [m.topic for m in broker.messages] == ["good", "good"]

    async def test_failed_event_is_retried_after_the_backoff(self) -> None:
        clock = ManualClock()
        repository, broker = _repository(clock=clock), FlakyMessageBroker(fail_first=1)
        [event] = await _commit(repository, 1)
        producer = EventProducer(broker, repository)
        assert (await producer.relay_once()).failed == 1
        assert await producer.relay_once() == RelayReport()
        clock.advance(BACKOFF)
        assert await producer.relay_once() == RelayReport(claimed=1, produced=1)
        assert [m.message_id for m in broker.messages] == [event.event_id]

    async def test_event_is_dead_after_max_attempts_and_logged_once(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        clock = ManualClock()
        repository, broker = _repository(clock=clock), FlakyMessageBroker(fail_topics={"t"})
        [event] = await _commit(repository, 1)
        producer = EventProducer(broker, repository)
        reports = []
        with caplog.at_level(logging.WARNING, logger="cqrs.producer"):
            for _ in range(5):
                reports.append(await producer.relay_once())
                clock.advance(BACKOFF)
        assert [r.dead for r in reports] == [0, 0, 1, 0, 0]
        [record] = caplog.records
        assert str(event.event_id) in record.getMessage()
        assert "requeue" in record.getMessage()
        [dead] = await repository.dead_letters()
        assert (dead.event_id, dead.attempts) == (event.event_id, 3)

    async def test_dead_event_is_sent_after_requeue(self) -> None:
        clock = ManualClock()
        repository, broker = (
            _repository(clock=clock, max_attempts=1),
            FlakyMessageBroker(fail_first=1),
        )
        [event] = await _commit(repository, 1)
        producer = EventProducer(broker, repository)
        assert (await producer.relay_once()).dead == 1
        [dead] = await repository.dead_letters()
        assert await repository.requeue([dead.id]) == 1
        assert await producer.relay_once() == RelayReport(claimed=1, produced=1)
        assert [m.message_id for m in broker.messages] == [event.event_id]

    async def test_concurrent_sends_deliver_every_event_once(self) -> None:
        repository, broker = _repository(), FlakyMessageBroker()
        events = await _commit(repository, 50)
        producer = EventProducer(broker, repository, batch_size=20, concurrency=8)
        while (await producer.relay_once()).claimed:
            pass
        assert sorted(m.message_id for m in broker.messages) == sorted(e.event_id for e in events)


class BatchBroker(InMemoryMessageBroker):
    """A `BatchMessageBroker`: records each `send_messages` call; fails chosen topics.

    `outcomes`, when set, replaces what `send_messages` returns; `raises` makes it
    raise; `gate` makes it block until cancelled (after recording the call).
    """

    def __init__(self, fail_topics: set[str] | None = None) -> None:
        super().__init__()
        self.fail_topics = fail_topics or set()
        self.batches: list[list[Message]] = []
        self.single_sends = 0
        self.outcomes: Any = None
        self.raises: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def send_message(self, message: Message) -> None:
        self.single_sends += 1
        await super().send_message(message)

    async def send_messages(self, messages: list[Message]) -> list[Exception | None]:
        self.batches.append(list(messages))
        if self.gate is not None:
            self.gate.set()
            await asyncio.Event().wait()
        if self.raises is not None:
            raise self.raises
        if self.outcomes is not None:
            return self.outcomes  # type: ignore[no-any-return]
        outcomes: list[Exception | None] = []
        for message in messages:
            if message.topic in self.fail_topics:
                outcomes.append(ConnectionError(f"refused {message.message_id}"))
            else:
                await super().send_message(message)
                outcomes.append(None)
        return outcomes


class TestBatchBroker:
    async def test_a_batch_goes_to_send_messages_in_one_call_in_order(self) -> None:
        repository, broker = _repository(), BatchBroker()
        events = await _commit(repository, 5)
        assert isinstance(broker, BatchMessageBroker)
        producer = EventProducer(broker, repository, batch_size=4)
        assert await producer.relay_once() == RelayReport(claimed=4, produced=4)
        assert await producer.relay_once() == RelayReport(claimed=1, produced=1)
        assert [[m.message_id for m in batch] for batch in broker.batches] == [
            [e.event_id for e in events[:4]],
            [events[4].event_id],
        ]
        assert broker.single_sends == 0
        assert {row.status for row in repository.store.rows()} == {EventStatus.PRODUCED}

    async def test_only_the_failed_messages_are_marked_failed(self) -> None:
        repository, broker = _repository(), BatchBroker(fail_topics={"bad"})
        await _commit(repository, 2, topic="good")
        [bad] = await _commit(repository, 1, topic="bad")
        report = await EventProducer(broker, repository).relay_once()
        assert report == RelayReport(claimed=3, produced=2, failed=1)
        rows = {row.event_id: row for row in repository.store.rows()}
        assert rows.pop(bad.event_id).status is EventStatus.FAILED
        assert {row.status for row in rows.values()} == {EventStatus.PRODUCED}
        assert [m.topic for m in broker.messages] == ["good", "good"]

    async def test_a_raising_batch_fails_every_row(self) -> None:
        repository, broker = _repository(), BatchBroker()
        broker.raises = ConnectionError("cluster unreachable")
        await _commit(repository, 3)
        report = await EventProducer(broker, repository).relay_once()
        assert report == RelayReport(claimed=3, failed=3)
        rows = repository.store.rows()
        assert {(row.status, row.attempts) for row in rows} == {(EventStatus.FAILED, 1)}
        assert all("cluster unreachable" in (row.last_error or "") for row in rows)

    @pytest.mark.parametrize("outcomes", [[None], "ok", None])
    async def test_outcomes_not_one_per_message_fail_every_row(self, outcomes: Any) -> None:
        repository, broker = _repository(), BatchBroker()
        broker.outcomes = outcomes if outcomes is not None else 42
        await _commit(repository, 2)
        report = await EventProducer(broker, repository).relay_once()
        assert report == RelayReport(claimed=2, failed=2)
        assert all(
            "not a list of one outcome per message" in (row.last_error or "")
            for row in repository.store.rows()
        )

    async def test_cancel_during_send_messages_releases_the_batch(self) -> None:
        repository, broker = _repository(), BatchBroker()
        broker.gate = asyncio.Event()
        await _commit(repository, 3)
        task = asyncio.ensure_future(EventProducer(broker, repository).relay_once())
        await asyncio.wait_for(broker.gate.wait(), 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        again = await repository.claim_batch(10, lease=timedelta(seconds=30))
        assert len(again) == 3
        assert all(row.attempts == 0 for row in again)


class TestConcurrentProducers:
    async def test_two_producers_send_no_event_twice(self) -> None:
        store, broker = MemoryOutboxStore(), FlakyMessageBroker()
        events = await _commit(_repository(store), 200)
        repositories = [_repository(store), _repository(store)]
        producers = [
            EventProducer(broker, repository, batch_size=7, idle_sleep=0.01, concurrency=3)
            for repository in repositories
        ]
        stop = asyncio.Event()
        tasks = [asyncio.ensure_future(producer.run(stop)) for producer in producers]
        await _wait_until(lambda: len(broker.messages) >= len(events))
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 1)
        counts = Counter(m.message_id for m in broker.messages)
        assert set(counts) == {e.event_id for e in events}
        assert set(counts.values()) == {1}
        assert all(repository.claims > 1 for repository in repositories)


class TestRun:
    async def test_sleeps_when_idle(self) -> None:
        repository = _repository()
        producer = EventProducer(InMemoryMessageBroker(), repository, idle_sleep=0.08)
        stop = asyncio.Event()
        repository.stop_after(6, stop)
        await asyncio.wait_for(producer.run(stop), 5)
        assert repository.claims == 6
        _assert_backs_off(repository.claim_times, 0.08)

    async def test_relays_events_committed_while_running(self) -> None:
        repository, broker = _repository(), InMemoryMessageBroker()
        stop = asyncio.Event()
        task = asyncio.ensure_future(EventProducer(broker, repository, idle_sleep=0.05).run(stop))
        await _wait_until(lambda: repository.claims >= 2)  # idle, between two claims
        await _commit(repository, 2)
        await _wait_until(lambda: len(broker.messages) == 2)
        stop.set()
        await asyncio.wait_for(task, 1)

    async def test_stops_when_stop_is_set_while_idle(self) -> None:
        stop = asyncio.Event()
        repository = _repository()
        # The first idle pause is 1000 / 16 s: only `stop` can end it within the bound.
        producer = EventProducer(InMemoryMessageBroker(), repository, idle_sleep=1000)
        task = asyncio.ensure_future(producer.run(stop))
        await _wait_until(lambda: repository.claims == 1)
        stop.set()
        await asyncio.wait_for(task, 5)

    async def test_stops_on_cancel(self) -> None:
        repository = _repository()
        producer = EventProducer(InMemoryMessageBroker(), repository, idle_sleep=1000)
        task = asyncio.ensure_future(producer.run())
        await _wait_until(lambda: repository.claims == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    async def test_cancel_mid_batch_marks_sent_rows_and_releases_the_rest(self) -> None:
        clock = ManualClock()
        repository, broker = _repository(clock=clock), GateBroker(open_for=1)
        events = await _commit(repository, 3)
        task = asyncio.ensure_future(EventProducer(broker, repository).run())
        await asyncio.wait_for(broker.blocked.wait(), 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        rows = repository.store.rows()
        assert [row.status for row in rows] == [
            EventStatus.PRODUCED,
            EventStatus.NEW,
            EventStatus.NEW,
        ]
        # Released, not left to the lease: due again without the clock moving.
        again = await repository.claim_batch(10, lease=timedelta(seconds=30))
        assert [row.event_id for row in again] == [e.event_id for e in events[1:]]
        assert all(row.attempts == 0 for row in again)

    async def test_survives_a_repository_error(self, caplog: pytest.LogCaptureFixture) -> None:
        repository, broker = _repository(fail_claims=1), InMemoryMessageBroker()
        await _commit(repository, 1)
        stop = asyncio.Event()
        producer = EventProducer(broker, repository, idle_sleep=0.05)
        with caplog.at_level(logging.ERROR, logger="cqrs.producer"):
            task = asyncio.ensure_future(producer.run(stop))
            await _wait_until(lambda: len(broker.messages) == 1)
            stop.set()
            await asyncio.wait_for(task, 1)
        assert "database is down" in caplog.text

    async def test_backs_off_when_every_send_fails(self) -> None:
        repository, broker = _repository(), FlakyMessageBroker(fail_topics={"t"})
        await _commit(repository, 100)
        stop = asyncio.Event()
        repository.stop_after(5, stop)
        producer = EventProducer(broker, repository, batch_size=2, idle_sleep=0.08)
        await asyncio.wait_for(producer.run(stop), 5)
        assert len(broker.attempts) == 10  # 5 batches of 2, not all 100 at once
        _assert_backs_off(repository.claim_times, 0.08)


class TestSeedsLoop:
    """`event_batch_generator` + `send_message`, as the python-cqrs documentation uses them."""

    async def test_batch_loop_sends_every_event(self) -> None:
        repository, broker = _repository(), InMemoryMessageBroker()
        events = await _commit(repository, 3)
        producer = EventProducer(broker, repository)
        async with contextlib.aclosing(producer.event_batch_generator()) as batches:
            async for batch in batches:
                for event in batch:
                    await producer.send_message(event)
                await producer.repository.commit()
                break
        assert [m.message_id for m in broker.messages] == [e.event_id for e in events]
        assert await repository.claim_batch(10, lease=timedelta(days=1)) == []

    async def test_send_message_records_a_failure_without_raising(self) -> None:
        clock = ManualClock()
        repository, broker = _repository(clock=clock), FlakyMessageBroker(fail_first=1)
        await _commit(repository, 1)
        producer = EventProducer(broker, repository)
        [row] = await repository.claim_batch(1, lease=timedelta(seconds=30))
        assert await producer.send_message(row) is EventStatus.FAILED
        clock.advance(BACKOFF)
        [again] = await repository.claim_batch(1, lease=timedelta(seconds=30))
        assert again.attempts == 1
        assert (again.last_error or "").startswith("ConnectionError: FlakyMessageBroker refused")
        assert await producer.send_message(again) is EventStatus.PRODUCED

    async def test_send_message_returns_dead_and_logs(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        repository = _repository(max_attempts=1)
        await _commit(repository, 1)
        producer = EventProducer(FlakyMessageBroker(fail_first=1), repository)
        [row] = await repository.claim_batch(1, lease=timedelta(seconds=30))
        with caplog.at_level(logging.WARNING, logger="cqrs.producer"):
            assert await producer.send_message(row) is EventStatus.DEAD
        assert len(caplog.records) == 1

    async def test_closing_the_generator_releases_unsent_rows(self) -> None:
        repository = _repository()
        await _commit(repository, 3)
        producer = EventProducer(InMemoryMessageBroker(), repository)
        async with contextlib.aclosing(producer.event_batch_generator()) as batches:
            async for batch in batches:
                await producer.send_message(batch[0])
                break
        again = await repository.claim_batch(10, lease=timedelta(seconds=30))
        assert [row.id for row in again] == [2, 3]

    async def test_generator_waits_while_idle_and_ends_on_stop(self) -> None:
        repository = _repository()
        producer = EventProducer(InMemoryMessageBroker(), repository, idle_sleep=0.08)
        stop = asyncio.Event()
        repository.stop_after(5, stop)
        batches = [batch async for batch in producer.event_batch_generator(stop=stop)]
        assert batches == []
        assert repository.claims == 5
        _assert_backs_off(repository.claim_times, 0.08)


class TestWakeup:
    """`wakeup`: an event set when rows are committed ends an idle sleep at once."""

    async def test_a_wakeup_ends_a_long_idle_sleep(self) -> None:
        repository, broker, wakeup = _repository(), InMemoryMessageBroker(), asyncio.Event()
        stop = asyncio.Event()
        # The first idle pause is 1000 / 16 s: only the wakeup can bring the row in time.
        producer = EventProducer(broker, repository, idle_sleep=1000, wakeup=wakeup)
        task = asyncio.ensure_future(producer.run(stop))
        await _wait_until(lambda: repository.claims == 1)
        await _commit(repository, 1)
        wakeup.set()
        await _wait_until(lambda: len(broker.messages) == 1)
        stop.set()
        await asyncio.wait_for(task, 5)
        assert repository.claims == 3  # idle, woken and relaying, idle again until stopped

    async def test_a_wakeup_while_relaying_is_not_lost(self) -> None:
        repository, wakeup = _repository(), asyncio.Event()
        stop = asyncio.Event()

        class WakingBroker(InMemoryMessageBroker):
            """Sets the wakeup while a send is in flight, as a commit elsewhere would."""

            async def send_message(self, message: Message) -> None:
                await super().send_message(message)
                if len(self.messages) == 1:
                    await _commit(repository, 1)
                    wakeup.set()

        broker = WakingBroker()
        await _commit(repository, 1)
        producer = EventProducer(broker, repository, idle_sleep=1000, wakeup=wakeup)
        task = asyncio.ensure_future(producer.run(stop))
        await _wait_until(lambda: len(broker.messages) == 2)
        stop.set()
        await asyncio.wait_for(task, 5)

    async def test_stop_still_ends_a_sleep_with_a_wakeup(self) -> None:
        repository, stop = _repository(), asyncio.Event()
        producer = EventProducer(
            InMemoryMessageBroker(), repository, idle_sleep=1000, wakeup=asyncio.Event()
        )
        task = asyncio.ensure_future(producer.run(stop))
        await _wait_until(lambda: repository.claims == 1)
        stop.set()
        await asyncio.wait_for(task, 5)
        assert repository.claims == 1

    async def test_the_batch_generator_is_woken_too(self) -> None:
        repository, wakeup = _repository(), asyncio.Event()
        producer = EventProducer(
            InMemoryMessageBroker(), repository, idle_sleep=1000, wakeup=wakeup
        )

        async def first_batch() -> list[OutboxedEvent]:
            async with contextlib.aclosing(producer.event_batch_generator()) as batches:
                async for batch in batches:
                    return batch
            raise AssertionError("the generator ended")

        task = asyncio.ensure_future(first_batch())
        await _wait_until(lambda: repository.claims == 1)
        events = await _commit(repository, 1)
        wakeup.set()
        batch = await asyncio.wait_for(task, 5)
        assert [row.event_id for row in batch] == [events[0].event_id]

    async def test_without_stop_a_wakeup_still_ends_the_sleep(self) -> None:
        repository, broker, wakeup = _repository(), InMemoryMessageBroker(), asyncio.Event()
        producer = EventProducer(broker, repository, idle_sleep=1000, wakeup=wakeup)
        task = asyncio.ensure_future(producer.run())
        await _wait_until(lambda: repository.claims == 1)
        await _commit(repository, 1)
        wakeup.set()
        await _wait_until(lambda: len(broker.messages) == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class TestSettings:
    @pytest.mark.parametrize(
        "kwargs",
        [{"batch_size": 0}, {"idle_sleep": 0}, {"lease": timedelta(0)}, {"concurrency": 0}],
    )
    def test_invalid_settings_are_refused(self, kwargs: dict[str, Any]) -> None:
        broker: MessageBroker = InMemoryMessageBroker()
        [name] = kwargs
        with pytest.raises(ValueError, match=name):
            EventProducer(broker, _repository(), **kwargs)
