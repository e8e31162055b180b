"""`OutboxRepositoryConformance`: the behaviour every `OutboxedEventRepository` must have.

Subclass it in a test module, mark it for anyio and implement `make_repository`::

    class TestMemoryOutbox(OutboxRepositoryConformance):
        pytestmark = pytest.mark.anyio

        def setup_method(self) -> None:
            self.store = MemoryOutboxStore()

        async def make_repository(self, **settings: Any) -> OutboxedEventRepository:
            return MemoryOutboxedEventRepository(self.store, **settings)

Each test calls `make_repository` several times (a writer and one or more
relays): every repository of one test must share one store (for SQL: one
database, a session each), and each test must start from an empty store. Close
sessions in your own fixture teardown. The tests drive time with a
`ManualClock` passed as `now=`, so no test sleeps. This module does not import
pytest: the class is plain, and pytest collects its `test_*` coroutines through
the subclass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cqrs.events.event import NotificationEvent
from cqrs.outbox.exceptions import InvalidOutboxEventError, OutboxedEventNotFound
from cqrs.outbox.protocol import EventStatus, OutboxedEvent, OutboxedEventRepository
from cqrs.testing.clock import ManualClock

__all__ = ["OutboxRepositoryConformance"]

_SECOND = timedelta(seconds=1)


def _event(n: int, topic: str = "conformance") -> NotificationEvent[dict[str, Any]]:
    payload = {"n": n, "nested": {"tags": ["a", "b"], "ratio": 0.5, "none": None}}
    return NotificationEvent(event_name=f"Happened{n}", topic=topic, payload=payload)


class OutboxRepositoryConformance:
    """Shared tests for outbox repositories; see the module docstring for how to use it."""

    max_attempts = 4
    backoff_base: timedelta = timedelta(seconds=10)
    backoff_max: timedelta = timedelta(seconds=25)  # so the third delay (40 s) is capped
    lease: timedelta = timedelta(seconds=30)

    async def make_repository(
        self,
        *,
        now: Callable[[], datetime],
        max_attempts: int,
        backoff_base: timedelta,
        backoff_max: timedelta,
    ) -> OutboxedEventRepository:
        """Return a new repository on this test's store, built with these settings."""
        raise NotImplementedError(
            f"{type(self).__qualname__} must implement make_repository() to run the "
            "outbox conformance suite"
        )

    # -- helpers ---------------------------------------------------------------------------

    async def _repository(self, clock: ManualClock) -> OutboxedEventRepository:
        return await self.make_repository(
            now=clock,
            max_attempts=self.max_attempts,
            backoff_base=self.backoff_base,
            backoff_max=self.backoff_max,
        )

    async def _stored(
        self, clock: ManualClock, count: int = 1
    ) -> tuple[OutboxedEventRepository, list[NotificationEvent[dict[str, Any]]]]:
        """A relay repository and `count` events committed by a separate writer."""
        writer = await self._repository(clock)
        events = [_event(n) for n in range(count)]
        for event in events:
            writer.add(event)
        await writer.commit()
        return await self._repository(clock), events

    async def _claim_one(self, relay: OutboxedEventRepository) -> OutboxedEvent:
        rows = await relay.claim_batch(10, lease=self.lease)
        assert len(rows) == 1, rows
        return rows[0]

    async def _kill(self, relay: OutboxedEventRepository, clock: ManualClock) -> OutboxedEvent:
        """Fail the only stored row `max_attempts` times; return it as last claimed."""
        for _ in range(self.max_attempts):
            row = await self._claim_one(relay)
            await relay.mark_failed(row.id, "boom")
            clock.advance(self.backoff_max)
        return row

    # -- writer side -----------------------------------------------------------------------

    async def test_committed_event_is_claimed_with_its_data(self) -> None:
        clock = ManualClock()
        relay, [event] = await self._stored(clock)
        row = await self._claim_one(relay)
        assert (row.event_id, row.event_name, row.topic) == (
            event.event_id,
            event.event_name,
            event.topic,
        )
        assert row.payload == event.to_dict()
        assert (row.status, row.attempts, row.last_error) == (EventStatus.NEW, 0, None)

    async def test_staged_event_is_invisible_until_commit(self) -> None:
        clock = ManualClock()
        writer, relay = await self._repository(clock), await self._repository(clock)
        writer.add(_event(1))
        assert await relay.claim_batch(10, lease=self.lease) == []
        await writer.commit()
        assert len(await relay.claim_batch(10, lease=self.lease)) == 1

    async def test_rolled_back_event_is_never_stored(self) -> None:
        clock = ManualClock()
        writer, relay = await self._repository(clock), await self._repository(clock)
        writer.add(_event(1))
        await writer.rollback()
        await writer.commit()
        assert await relay.claim_batch(10, lease=self.lease) == []

    async def test_unit_of_work_can_be_reused_after_commit(self) -> None:
        clock = ManualClock()
        writer, relay = await self._repository(clock), await self._repository(clock)
        writer.add(_event(1))
        writer.add(_event(2))
        await writer.commit()
        writer.add(_event(3))
        await writer.commit()
        assert len(await relay.claim_batch(10, lease=self.lease)) == 3

    async def test_add_rejects_an_object_that_is_not_a_notification_event(self) -> None:
        writer = await self._repository(ManualClock())
        try:
            writer.add(object())  # type: ignore[arg-type]
        except InvalidOutboxEventError:
            return
        raise AssertionError("add(object()) did not raise InvalidOutboxEventError")

    # -- claiming --------------------------------------------------------------------------

    async def test_claim_returns_oldest_first_up_to_limit(self) -> None:
        clock = ManualClock()
        relay, events = await self._stored(clock, 5)
        first = await relay.claim_batch(2, lease=self.lease)
        rest = await relay.claim_batch(10, lease=self.lease)
        assert [row.event_id for row in first + rest] == [event.event_id for event in events]

    async def test_claim_leases_rows_until_now_plus_lease(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        row = await self._claim_one(relay)
        assert row.next_attempt_at == clock() + self.lease

    async def test_leased_row_is_not_claimed_again(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        other = await self._repository(clock)
        await self._claim_one(relay)
        clock.advance(self.lease - _SECOND)
        assert await other.claim_batch(10, lease=self.lease) == []

    async def test_expired_lease_makes_row_claimable_again(self) -> None:
        clock = ManualClock()
        relay, [event] = await self._stored(clock)
        await self._claim_one(relay)  # and the relay "crashes"
        clock.advance(self.lease)
        row = await self._claim_one(await self._repository(clock))
        assert (row.event_id, row.status, row.attempts) == (event.event_id, EventStatus.NEW, 0)

    async def test_concurrent_claimers_never_share_a_row(self) -> None:
        clock = ManualClock()
        _, events = await self._stored(clock, 30)
        relays = [await self._repository(clock) for _ in range(3)]

        async def drain(relay: OutboxedEventRepository) -> list[OutboxedEvent]:
            claimed: list[OutboxedEvent] = []
            while rows := await relay.claim_batch(4, lease=self.lease):
                claimed += rows
            return claimed

        batches = await asyncio.gather(*(drain(relay) for relay in relays))
        claimed = [row.event_id for batch in batches for row in batch]
        assert sorted(claimed) == sorted(event.event_id for event in events)

    # -- settling --------------------------------------------------------------------------

    async def test_produced_row_is_never_claimed_again(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        row = await self._claim_one(relay)
        await relay.mark_produced([row.id])
        clock.advance(days=1)
        assert await relay.claim_batch(10, lease=self.lease) == []

    async def test_failed_row_waits_for_its_backoff(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        row = await self._claim_one(relay)
        assert await relay.mark_failed(row.id, "ConnectionError: down") == EventStatus.FAILED
        clock.advance(self.backoff_base - _SECOND)
        assert await relay.claim_batch(10, lease=self.lease) == []
        clock.advance(_SECOND)
        row = await self._claim_one(relay)
        assert (row.status, row.attempts, row.last_error) == (
            EventStatus.FAILED,
            1,
            "ConnectionError: down",
        )

    async def test_backoff_doubles_up_to_its_cap(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        row = await self._claim_one(relay)
        delays = []
        for _ in range(self.max_attempts - 1):
            await relay.mark_failed(row.id, "boom")
            failed_at = clock()
            for _step in range(3600):  # bounded: a broken store must fail, not hang
                if rows := await relay.claim_batch(10, lease=self.lease):
                    break
                clock.advance(_SECOND)
            else:
                raise AssertionError("a FAILED row was not due again within an hour")
            row = rows[0]
            delays.append(clock() - failed_at)
        assert delays == [self.backoff_base, 2 * self.backoff_base, self.backoff_max]

    async def test_row_is_dead_after_max_attempts_and_listed(self) -> None:
        clock = ManualClock()
        relay, [event] = await self._stored(clock)
        row = await self._kill(relay, clock)
        assert row.attempts == self.max_attempts - 1  # as claimed before the last failure
        clock.advance(days=1)
        assert await relay.claim_batch(10, lease=self.lease) == []
        [dead] = await relay.dead_letters()
        assert (dead.event_id, dead.status, dead.attempts, dead.last_error) == (
            event.event_id,
            EventStatus.DEAD,
            self.max_attempts,
            "boom",
        )

    async def test_last_failure_returns_dead(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        statuses = []
        for _ in range(self.max_attempts):
            row = await self._claim_one(relay)
            statuses.append(await relay.mark_failed(row.id, "boom"))
            clock.advance(self.backoff_max)
        assert statuses == [EventStatus.FAILED] * (self.max_attempts - 1) + [EventStatus.DEAD]

    async def test_dead_letters_respects_limit(self) -> None:
        clock = ManualClock()
        relay, events = await self._stored(clock, 3)
        for row in await relay.claim_batch(10, lease=self.lease):
            for _ in range(self.max_attempts):
                await relay.mark_failed(row.id, "boom")
        dead = await relay.dead_letters(limit=2)
        assert [row.event_id for row in dead] == [event.event_id for event in events[:2]]

    async def test_mark_failed_leaves_a_produced_row_alone(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        row = await self._claim_one(relay)
        await relay.mark_produced([row.id])
        assert await relay.mark_failed(row.id, "late") == EventStatus.PRODUCED
        clock.advance(days=1)
        assert await relay.claim_batch(10, lease=self.lease) == []

    async def test_mark_failed_of_an_unknown_row_raises(self) -> None:
        relay, _ = await self._stored(ManualClock())
        row = await self._claim_one(relay)
        unknown = row.id + 1_000_000 if isinstance(row.id, int) else f"{row.id}-unknown"
        try:
            await relay.mark_failed(unknown, "boom")
        except OutboxedEventNotFound:
            return
        raise AssertionError(f"mark_failed({unknown!r}) did not raise OutboxedEventNotFound")

    async def test_released_row_is_due_at_once_without_an_attempt(self) -> None:
        clock = ManualClock()
        relay, [event] = await self._stored(clock)
        row = await self._claim_one(relay)
        await relay.release([row.id])
        again = await self._claim_one(relay)
        assert (again.event_id, again.attempts) == (event.event_id, 0)

    async def test_requeue_makes_a_dead_row_new_again(self) -> None:
        clock = ManualClock()
        relay, [event] = await self._stored(clock)
        row = await self._kill(relay, clock)
        assert await relay.requeue([row.id]) == 1
        assert await relay.dead_letters() == []
        again = await self._claim_one(relay)
        assert (again.event_id, again.status, again.attempts) == (
            event.event_id,
            EventStatus.NEW,
            0,
        )

    async def test_requeue_ignores_rows_that_are_not_dead(self) -> None:
        clock = ManualClock()
        relay, _ = await self._stored(clock)
        row = await self._claim_one(relay)
        await relay.mark_produced([row.id])
        assert await relay.requeue([row.id]) == 0
        assert await relay.claim_batch(10, lease=self.lease) == []
