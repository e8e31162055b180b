"""SagaRecoveryWorker: claims shared by workers, attempts, exhausted sagas, run and stop."""

from __future__ import annotations

import asyncio
import collections
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from cqrs.container.default import DefaultContainer
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.exceptions import SagaDefinitionError
from cqrs.saga.map import SagaMap
from cqrs.saga.models import SagaStatus
from cqrs.saga.recovery import SagaRecoveryWorker
from cqrs.saga.storage.memory import MemorySagaStorage
from cqrs.saga.storage.protocol import ISagaRecoveryStorage
from cqrs.saga.storage.sqlalchemy import SqlAlchemySagaStorage
from cqrs.testing import ManualClock

from .conftest import Database, new_engine
from .three_steps import Journal, OrderContext, ThreeSteps

pytestmark = pytest.mark.anyio


def container_for(journal: Journal) -> DefaultContainer:
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    return container


async def interrupted(
    storage: ISagaRecoveryStorage, journal: Journal, count: int, **fields: Any
) -> list[uuid.UUID]:
    """`count` sagas stopped after their first step (RUNNING), as a crashed process leaves them."""
    mediator = saga_bootstrap.bootstrap(
        di_container=container_for(journal),
        sagas_mapper=lambda m: m.bind(OrderContext, ThreeSteps),
        saga_storage=storage,
        compensation_retry_delay=0.0,
    )
    ids = [uuid.uuid4() for _ in range(count)]
    for saga_id in ids:
        async for _ in mediator.stream(OrderContext(order_id="o", **fields), saga_id=saga_id):
            break
    return ids


class TestTwoWorkersOneDatabase:
    async def test_each_saga_is_recovered_by_one_worker_once(
        self, shared_database: Database, tmp_path: Path
    ) -> None:
        journal = Journal(tmp_path / "journal.txt")
        ids = await interrupted(shared_database.storage(), journal, 16)
        engines = [new_engine(shared_database.backend, shared_database.url) for _ in range(2)]
        workers = [
            SagaRecoveryWorker(
                SqlAlchemySagaStorage(async_sessionmaker(engine), *shared_database.tables),
                [ThreeSteps],
                container_for(journal),
                stale_after=0.0,
                batch_size=3,
            )
            for engine in engines
        ]
        recovered: list[uuid.UUID] = []
        try:
            while True:
                reports = await asyncio.gather(*(worker.recover_once() for worker in workers))
                if not any(report.claimed for report in reports):
                    break
                for report in reports:
                    assert set(report.finished.values()) <= {SagaStatus.COMPLETED}
                    recovered += report.finished
        finally:
            for engine in engines:
                await engine.dispose()
        assert sorted(recovered) == sorted(ids)
        acts = collections.Counter(journal.lines())
        assert {line for line, seen in acts.items() if seen > 1} == set()
        assert len(acts) == 3 * len(ids)


class TestAttempts:
    async def test_a_saga_over_max_attempts_is_reported_not_retried(self, tmp_path: Path) -> None:
        journal = Journal(tmp_path / "journal.txt")
        storage = MemorySagaStorage()
        clock = ManualClock(datetime.now(timezone.utc))
        [saga_id] = await interrupted(storage, journal, 1, fail_step="B", stuck_compensation="A")
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.RUNNING
        worker = SagaRecoveryWorker(
            storage,
            [ThreeSteps],
            container_for(journal),
            stale_after=0.0,
            max_attempts=2,
            lease=60.0,
            compensation_retry_count=1,
            now=clock,
        )
        clock.advance(seconds=1)
        first = await worker.recover_once()
        assert first.finished == {saga_id: SagaStatus.FAILED}
        assert (await worker.recover_once()).claimed == 0  # leased: no retry before 60 s
        clock.advance(seconds=61)
        second = await worker.recover_once()
        assert second.finished == {saga_id: SagaStatus.FAILED}
        assert [record.saga_id for record in second.exhausted] == [saga_id]
        clock.advance(seconds=61)
        third = await worker.recover_once()
        assert third.claimed == 0
        assert [(r.saga_id, r.recovery_attempts) for r in third.exhausted] == [(saga_id, 2)]
        assert journal.lines().count("compensate A failed") == 2  # one per attempt

    async def test_an_error_during_recovery_is_reported_and_counted(self) -> None:
        storage = MemorySagaStorage()
        saga_id = uuid.uuid4()
        # Stored by another step list: recovery refuses it (SagaDefinitionChanged).
        await storage.create_saga(saga_id, "ThreeSteps", {"order_id": "o"}, fingerprint="old")
        worker = SagaRecoveryWorker(storage, [ThreeSteps], stale_after=0.0)
        report = await worker.recover_once()
        assert list(report.errors) == [saga_id]
        assert "SagaDefinitionChanged" in report.errors[saga_id]
        assert (await storage.load_saga(saga_id)).recovery_attempts == 1


class TestRunAndStop:
    async def test_run_recovers_then_stops_when_told(self, tmp_path: Path) -> None:
        done = asyncio.Event()

        class SignallingJournal(Journal):
            def record(self, line: str) -> None:
                super().record(line)
                if line.startswith("act C"):
                    done.set()

        journal = SignallingJournal(tmp_path / "journal.txt")
        storage = MemorySagaStorage()
        [saga_id] = await interrupted(storage, journal, 1)
        worker = SagaRecoveryWorker(
            storage, [ThreeSteps], container_for(journal), stale_after=0.0, idle_sleep=3600
        )
        stop = asyncio.Event()
        task = asyncio.ensure_future(worker.run(stop))
        await done.wait()
        stop.set()
        await asyncio.wait_for(task, 10)  # idle_sleep is an hour: only `stop` ends it
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.COMPLETED

    async def test_cancellation_stops_an_idle_worker(self) -> None:
        worker = SagaRecoveryWorker(MemorySagaStorage(), [ThreeSteps], idle_sleep=3600)
        task = asyncio.ensure_future(worker.run())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class TestConfiguration:
    def test_a_saga_map_works_as_well_as_saga_classes(self) -> None:
        sagas = SagaMap()
        sagas.bind(OrderContext, ThreeSteps)
        SagaRecoveryWorker(MemorySagaStorage(), sagas)

    @pytest.mark.parametrize(
        "settings", [{"max_attempts": 0}, {"batch_size": 0}, {"stale_after": -1.0}]
    )
    def test_bad_settings_are_refused(self, settings: dict[str, Any]) -> None:
        with pytest.raises(SagaDefinitionError, match="must be"):
            SagaRecoveryWorker(MemorySagaStorage(), [ThreeSteps], **settings)
