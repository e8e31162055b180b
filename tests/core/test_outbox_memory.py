"""The memory outbox: the shared conformance suite, plus what is specific to memory."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

import cqrs
from cqrs.outbox import (
    EventStatus,
    InvalidOutboxEventError,
    MemoryOutboxedEventRepository,
    MemoryOutboxStore,
    OutboxedEventRepository,
    RetryPolicy,
)
from cqrs.outbox.encoding import encode_event
from cqrs.serializers import serialize_event
from cqrs.testing import ManualClock, OutboxRepositoryConformance

LEASE = timedelta(seconds=30)


class TestMemoryOutboxConformance(OutboxRepositoryConformance):
    pytestmark = pytest.mark.anyio

    def setup_method(self) -> None:
        self.store = MemoryOutboxStore()

    async def make_repository(self, **settings: Any) -> OutboxedEventRepository:
        return MemoryOutboxedEventRepository(self.store, **settings)


def _event(**payload: Any) -> cqrs.NotificationEvent[dict[str, Any]]:
    return cqrs.NotificationEvent(event_name="Happened", topic="t", payload=payload)


@dataclasses.dataclass
class RawEvent:
    """A hand-written notification event whose to_dict() is not JSON-compatible."""

    data: dict[str, Any]
    event_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    event_timestamp: datetime = datetime(2024, 1, 1)
    event_name: str = "Raw"
    topic: str = "t"

    @property
    def payload(self) -> dict[str, Any]:
        return self.data

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": str(self.event_id), "payload": self.data}

    @classmethod
    def from_dict(cls, **kwargs: Any) -> RawEvent:
        return cls(data=kwargs["payload"], event_id=uuid.UUID(kwargs["event_id"]))


@pytest.mark.anyio
class TestMemoryOutboxedEventRepository:
    def test_is_an_outboxed_event_repository(self) -> None:
        assert isinstance(MemoryOutboxedEventRepository(), OutboxedEventRepository)

    async def test_non_json_to_dict_is_rejected_at_add(self) -> None:
        repository = MemoryOutboxedEventRepository()
        with pytest.raises(InvalidOutboxEventError, match="did not give JSON-compatible data"):
            repository.add(RawEvent(data={"when": datetime(2024, 1, 1)}))

    async def test_nan_is_rejected_at_add(self) -> None:
        repository = MemoryOutboxedEventRepository()
        with pytest.raises(InvalidOutboxEventError, match="did not give JSON-compatible data"):
            repository.add(_event(ratio=float("nan")))

    async def test_text_that_utf8_cannot_hold_is_rejected_at_add(self) -> None:
        repository = MemoryOutboxedEventRepository()
        with pytest.raises(InvalidOutboxEventError, match="UnicodeEncodeError"):
            repository.add(_event(name="lone \udc80 surrogate"))

    async def test_keys_that_cannot_be_sorted_are_rejected_at_add(self) -> None:
        repository = MemoryOutboxedEventRepository()
        with pytest.raises(InvalidOutboxEventError, match="did not give JSON-compatible data"):
            repository.add(RawEvent(data={1: "a", "b": 2}))  # type: ignore[dict-item]

    def test_the_stored_json_is_serialize_events(self) -> None:
        """Rows hold what a broker would send: a relay forwards them without re-encoding."""
        event = _event(zeta=1, alpha="é", nested={"b": [1.5, None], "a": True})
        assert encode_event(event).payload == serialize_event(event)

    async def test_payload_is_copied_at_add(self) -> None:
        repository = MemoryOutboxedEventRepository()
        tags = ["a"]
        repository.add(_event(tags=tags))
        tags.append("b")
        await repository.commit()
        [row] = await repository.claim_batch(1, lease=LEASE)
        assert row.payload["payload"] == {"tags": ["a"]}

    async def test_store_keeps_produced_rows_for_inspection(self) -> None:
        store = MemoryOutboxStore()
        repository = MemoryOutboxedEventRepository(store)
        repository.add(_event())
        await repository.commit()
        [row] = await repository.claim_batch(1, lease=LEASE)
        await repository.mark_produced([row.id])
        assert [r.status for r in store.rows()] == [EventStatus.PRODUCED]

    async def test_requeued_row_is_claimed_in_id_order(self) -> None:
        clock = ManualClock()
        repository = MemoryOutboxedEventRepository(now=clock, max_attempts=1)
        for n in range(3):
            repository.add(_event(n=n))
        await repository.commit()
        first, *_ = await repository.claim_batch(3, lease=LEASE)
        await repository.mark_failed(first.id, "boom")
        await repository.requeue([first.id])
        clock.advance(LEASE)
        assert [row.id for row in await repository.claim_batch(3, lease=LEASE)] == [1, 2, 3]

    async def test_string_ids_are_unknown(self) -> None:
        repository = MemoryOutboxedEventRepository()
        with pytest.raises(cqrs.outbox.OutboxedEventNotFound):
            await repository.mark_failed("1", "boom")


class TestRetryPolicy:
    def test_delay_doubles_and_is_capped(self) -> None:
        policy = RetryPolicy(5, timedelta(seconds=1), timedelta(seconds=5))
        assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [1, 2, 4, 5, 5]

    def test_huge_attempt_counts_do_not_overflow(self) -> None:
        policy = RetryPolicy(5, timedelta(days=1), timedelta(days=2))
        assert policy.delay(10**6) == timedelta(days=2)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"max_attempts": 0}, "max_attempts"),
            ({"backoff_base": timedelta(0)}, "backoff_base"),
            ({"backoff_base": timedelta(seconds=2), "backoff_max": timedelta(seconds=1)}, "max"),
        ],
    )
    def test_invalid_settings_are_refused(self, kwargs: dict[str, Any], match: str) -> None:
        with pytest.raises(ValueError, match=match):
            RetryPolicy(**kwargs)

    def test_is_frozen(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            RetryPolicy().max_attempts = 3  # type: ignore[misc]
