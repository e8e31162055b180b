"""`SagaStorageConformance`: the behaviour every saga storage must have.

Subclass `SagaStorageConformance` (the `ISagaStorage` contract) or
`SagaRecoveryStorageConformance` (that, plus the claims of `ISagaRecoveryStorage`
that `SagaRecoveryWorker` needs) in a test module, mark it for anyio and
implement `make_storage`::

    class TestMemorySagaStorage(SagaRecoveryStorageConformance):
        pytestmark = pytest.mark.anyio

        async def make_storage(self) -> ISagaRecoveryStorage:
            return MemorySagaStorage()

Each test calls `make_storage` once and must get an empty storage (for SQL:
tables of that test alone). Claims take their times as arguments, so no test
sleeps. This module does not import pytest: the class is plain, and pytest
collects its `test_*` coroutines through the subclass.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from cqrs.saga.exceptions import SagaAlreadyExistsError, SagaConcurrencyError, SagaNotFoundError
from cqrs.saga.models import SagaAction, SagaStatus, SagaStepStatus
from cqrs.saga.storage.protocol import RECOVERABLE, ISagaRecoveryStorage, ISagaStorage

__all__ = ["SagaRecoveryStorageConformance", "SagaStorageConformance"]

_HOUR = timedelta(hours=1)
_ACT, _COMPENSATE = SagaAction.ACT, SagaAction.COMPENSATE
_DONE, _FAILED = SagaStepStatus.COMPLETED, SagaStepStatus.FAILED


@contextlib.contextmanager
def _raises(kind: type[Exception], pattern: str = "") -> Iterator[None]:
    try:
        yield
    except kind as exc:
        if not re.search(pattern, str(exc)):
            raise AssertionError(f"{exc!s} does not match {pattern!r}") from exc
    else:
        raise AssertionError(f"{kind.__name__} was not raised")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SagaStorageConformance:
    """Shared tests of the `ISagaStorage` contract; see the module docstring for how to use it."""

    async def make_storage(self) -> Any:
        """A new, empty storage (override it)."""
        raise NotImplementedError("implement make_storage() in the conformance subclass")

    async def _created(
        self, storage: ISagaStorage, context: dict[str, Any] | None = None, name: str = "Order"
    ) -> uuid.UUID:
        saga_id = uuid.uuid4()
        await storage.create_saga(saga_id, name, context or {"n": 0}, fingerprint="abc")
        return saga_id

    async def _claim(
        self, storage: ISagaRecoveryStorage, *, stale_before: datetime | None = None, **kw: Any
    ) -> set[uuid.UUID]:
        now = _now()
        settings: dict[str, Any] = {"max_attempts": 3, "limit": 100} | kw
        claims = await storage.claim_for_recovery(
            now=now,
            stale_before=now + _HOUR if stale_before is None else stale_before,
            lease_until=now + _HOUR,
            **settings,
        )
        return {claim.saga_id for claim in claims}

    # -- the ISagaStorage contract ---------------------------------------------------------

    async def test_it_implements_the_protocol(self) -> None:
        storage = await self.make_storage()
        assert isinstance(storage, ISagaStorage)

    async def test_a_new_saga_is_running_at_version_1(self) -> None:
        storage = await self.make_storage()
        context = {"n": 1, "items": [{"sku": "a", "qty": 2}], "note": "é", "none": None}
        saga_id = await self._created(storage, context)
        assert await storage.load_saga_state(saga_id) == (SagaStatus.RUNNING, context, 1)
        record = await storage.load_saga(saga_id)
        assert (record.saga_id, record.name, record.fingerprint) == (saga_id, "Order", "abc")
        assert record.recovery_attempts == 0

    async def test_timestamps_are_timezone_aware_utc(self) -> None:
        storage = await self.make_storage()
        before = _now() - timedelta(seconds=5)
        saga_id = await self._created(storage)
        await storage.log_step(saga_id, "A", _ACT, _DONE)
        record = await storage.load_saga(saga_id)
        [entry] = await storage.get_step_history(saga_id)
        for stamp in (record.created_at, record.updated_at, entry.timestamp):
            assert stamp.utcoffset() == timedelta(0)
            assert before <= stamp <= _now() + timedelta(seconds=5)

    async def test_creating_an_existing_id_is_refused(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage, {"n": 1})
        with _raises(SagaAlreadyExistsError, str(saga_id)):
            await storage.create_saga(saga_id, "Order", {"n": 2})
        assert (await storage.load_saga_state(saga_id))[1] == {"n": 1}

    async def test_update_context_bumps_the_version(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        await storage.update_context(saga_id, {"n": 2}, current_version=1)
        assert await storage.load_saga_state(saga_id) == (SagaStatus.RUNNING, {"n": 2}, 2)

    async def test_a_stale_version_is_refused_and_changes_nothing(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        await storage.update_context(saga_id, {"n": 2})
        with _raises(SagaConcurrencyError, "version 2, not 1"):
            await storage.update_context(saga_id, {"n": 3}, current_version=1)
        assert (await storage.load_saga_state(saga_id))[1:] == ({"n": 2}, 2)

    async def test_complete_step_persists_and_logs_together(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        await storage.complete_step(saga_id, "Reserve", {"n": 5}, current_version=1)
        assert await storage.load_saga_state(saga_id) == (SagaStatus.RUNNING, {"n": 5}, 2)
        [entry] = await storage.get_step_history(saga_id)
        assert (entry.saga_id, entry.step_name, entry.action, entry.status) == (
            saga_id,
            "Reserve",
            _ACT,
            _DONE,
        )

    async def test_complete_step_sets_the_status_it_is_given(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        await storage.complete_step(saga_id, "Last", {"n": 9}, 1, status=SagaStatus.COMPLETED)
        assert await storage.load_saga_state(saga_id) == (SagaStatus.COMPLETED, {"n": 9}, 2)

    async def test_complete_step_with_a_stale_version_changes_nothing(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        with _raises(SagaConcurrencyError, "not 7"):
            await storage.complete_step(
                saga_id, "Reserve", {"n": 5}, current_version=7, status=SagaStatus.COMPLETED
            )
        assert await storage.get_step_history(saga_id) == []
        assert await storage.load_saga_state(saga_id) == (SagaStatus.RUNNING, {"n": 0}, 1)

    async def test_the_history_keeps_the_logging_order(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        other = await self._created(storage)
        await storage.log_step(saga_id, "A", _ACT, _DONE)
        await storage.log_step(other, "X", _ACT, _DONE)
        await storage.log_step(saga_id, "B", _ACT, _FAILED, "ValueError: boom")
        await storage.log_step(saga_id, "A", _COMPENSATE, _DONE)
        history = await storage.get_step_history(saga_id)
        assert [(e.step_name, e.action, e.status, e.details) for e in history] == [
            ("A", _ACT, _DONE, ""),
            ("B", _ACT, _FAILED, "ValueError: boom"),
            ("A", _COMPENSATE, _DONE, ""),
        ]
        assert [e.timestamp for e in history] == sorted(e.timestamp for e in history)

    async def test_a_loaded_context_is_a_copy(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage, {"items": ["a"]})
        _, context, _ = await storage.load_saga_state(saga_id)
        context["items"].append("b")
        assert (await storage.load_saga_state(saga_id))[1] == {"items": ["a"]}

    async def test_only_unfinished_sagas_are_listed_for_recovery(self) -> None:
        storage = await self.make_storage()
        ids = {status: await self._created(storage) for status in SagaStatus}
        for status, saga_id in ids.items():
            await storage.update_status(saga_id, status)
        listed = await storage.get_sagas_for_recovery(saga_name="Order")
        assert set(listed) == {ids[status] for status in RECOVERABLE}
        assert listed == [ids[s] for s in SagaStatus if s in RECOVERABLE]  # oldest first
        assert await storage.get_sagas_for_recovery(saga_name="Other") == []

    async def test_an_unknown_id_is_not_found(self) -> None:
        storage = await self.make_storage()
        unknown = uuid.uuid4()
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: storage.load_saga_state(unknown),
            lambda: storage.load_saga(unknown),
            lambda: storage.get_step_history(unknown),
            lambda: storage.update_status(unknown, SagaStatus.FAILED),
            lambda: storage.update_context(unknown, {}),
            lambda: storage.complete_step(unknown, "A", {}),
            lambda: storage.log_step(unknown, "A", _ACT, _FAILED),
        ]
        for call in calls:
            with _raises(SagaNotFoundError, "no saga with id"):
                await call()


class SagaRecoveryStorageConformance(SagaStorageConformance):
    """The `ISagaStorage` tests plus those of `ISagaRecoveryStorage` (claims, listings)."""

    async def test_it_implements_the_recovery_protocol(self) -> None:
        assert isinstance(await self.make_storage(), ISagaRecoveryStorage)

    async def test_claims_take_failed_and_stale_sagas_only(self) -> None:
        storage = await self.make_storage()
        ids = {status: await self._created(storage) for status in SagaStatus}
        for status, saga_id in ids.items():
            await storage.update_status(saga_id, status)
        fresh = await self._claim(storage, stale_before=_now() - _HOUR)
        assert fresh == {ids[SagaStatus.FAILED]}
        stale = await self._claim(storage)
        assert stale == {ids[SagaStatus.RUNNING], ids[SagaStatus.COMPENSATING]}

    async def test_a_leased_saga_is_not_claimed_again_until_its_lease_ends(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        assert await self._claim(storage) == {saga_id}
        assert await self._claim(storage) == set()
        later = _now() + 2 * _HOUR
        [claim] = await storage.claim_for_recovery(
            10, now=later, stale_before=later, lease_until=later + _HOUR, max_attempts=3
        )
        assert (claim.saga_id, claim.name, claim.attempts) == (saga_id, "Order", 2)

    async def test_claims_count_attempts_and_stop_at_max_attempts(self) -> None:
        storage = await self.make_storage()
        saga_id = await self._created(storage)
        await storage.update_status(saga_id, SagaStatus.FAILED)
        for attempt in (1, 2):
            now = _now() + attempt * 2 * _HOUR  # after the previous lease
            claims = await storage.claim_for_recovery(
                10, now=now, stale_before=now, lease_until=now + _HOUR, max_attempts=2
            )
            assert [(c.saga_id, c.attempts) for c in claims] == [(saga_id, attempt)]
        now = _now() + 10 * _HOUR
        assert (
            await storage.claim_for_recovery(
                10, now=now, stale_before=now, lease_until=now + _HOUR, max_attempts=2
            )
            == []
        )
        [exhausted] = await storage.list_sagas(statuses=RECOVERABLE, min_recovery_attempts=2)
        assert (exhausted.saga_id, exhausted.recovery_attempts) == (saga_id, 2)

    async def test_claims_respect_limit_names_and_age_order(self) -> None:
        storage = await self.make_storage()
        first, second, third = [await self._created(storage) for _ in range(3)]
        other = await self._created(storage, name="Other")
        picked = await storage.claim_for_recovery(
            2,
            now=_now(),
            stale_before=_now() + _HOUR,
            lease_until=_now() + _HOUR,
            max_attempts=3,
            saga_names=frozenset({"Order"}),
        )
        assert [claim.saga_id for claim in picked] == [first, second]
        assert await self._claim(storage) == {third, other}

    async def test_concurrent_claims_never_share_a_saga(self) -> None:
        storage = await self.make_storage()
        ids = {await self._created(storage) for _ in range(12)}
        results = await asyncio.gather(*(self._claim(storage, limit=3) for _ in range(6)))
        claimed = [saga_id for result in results for saga_id in result]
        assert len(claimed) == len(set(claimed))
        assert set(claimed) | await self._claim(storage) == ids

    async def test_list_sagas_filters_by_status(self) -> None:
        storage = await self.make_storage()
        running = await self._created(storage, {"n": 1})
        done = await self._created(storage)
        await storage.update_status(done, SagaStatus.COMPLETED)
        [record] = await storage.list_sagas(statuses=frozenset({SagaStatus.RUNNING}))
        assert (record.saga_id, record.status, record.context) == (
            running,
            SagaStatus.RUNNING,
            {"n": 1},
        )
        assert [r.saga_id for r in await storage.list_sagas()] == [running, done]
        assert len(await storage.list_sagas(limit=1)) == 1
