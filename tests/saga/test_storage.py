"""The ISagaStorage contract, run against every implementation (memory here)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from cqrs.saga.exceptions import (
    SagaAlreadyExistsError,
    SagaConcurrencyError,
    SagaNotFoundError,
)
from cqrs.saga.models import SagaAction, SagaStatus, SagaStepStatus
from cqrs.saga.storage.memory import MemorySagaStorage
from cqrs.saga.storage.protocol import ISagaStorage

pytestmark = pytest.mark.anyio

IMPLEMENTATIONS: dict[str, Callable[[], ISagaStorage]] = {"memory": MemorySagaStorage}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def storage(request: pytest.FixtureRequest) -> ISagaStorage:
    return IMPLEMENTATIONS[request.param]()


async def created(storage: ISagaStorage, context: dict[str, object] | None = None) -> uuid.UUID:
    saga_id = uuid.uuid4()
    await storage.create_saga(saga_id, "OrderSaga", context or {"n": 0}, fingerprint="abc")
    return saga_id


class TestStorageContract:
    def test_it_implements_the_protocol(self, storage: ISagaStorage) -> None:
        assert isinstance(storage, ISagaStorage)

    async def test_a_new_saga_is_running_at_version_1(self, storage: ISagaStorage) -> None:
        saga_id = await created(storage, {"n": 1})
        assert await storage.load_saga_state(saga_id) == (SagaStatus.RUNNING, {"n": 1}, 1)
        record = await storage.load_saga(saga_id)
        assert (record.name, record.fingerprint) == ("OrderSaga", "abc")

    async def test_creating_an_existing_id_is_refused(self, storage: ISagaStorage) -> None:
        saga_id = await created(storage)
        with pytest.raises(SagaAlreadyExistsError, match=str(saga_id)):
            await storage.create_saga(saga_id, "OrderSaga", {})

    async def test_update_context_bumps_the_version(self, storage: ISagaStorage) -> None:
        saga_id = await created(storage)
        await storage.update_context(saga_id, {"n": 2}, current_version=1)
        assert await storage.load_saga_state(saga_id) == (SagaStatus.RUNNING, {"n": 2}, 2)

    async def test_a_stale_version_is_refused_and_changes_nothing(
        self, storage: ISagaStorage
    ) -> None:
        saga_id = await created(storage)
        await storage.update_context(saga_id, {"n": 2})
        with pytest.raises(SagaConcurrencyError, match="version 2, not 1"):
            await storage.update_context(saga_id, {"n": 3}, current_version=1)
        assert (await storage.load_saga_state(saga_id))[1:] == ({"n": 2}, 2)

    async def test_complete_step_persists_and_logs_together(self, storage: ISagaStorage) -> None:
        saga_id = await created(storage)
        await storage.complete_step(saga_id, "Reserve", {"n": 5}, current_version=1)
        assert (await storage.load_saga_state(saga_id))[1:] == ({"n": 5}, 2)
        [entry] = await storage.get_step_history(saga_id)
        assert (entry.step_name, entry.action, entry.status) == (
            "Reserve",
            SagaAction.ACT,
            SagaStepStatus.COMPLETED,
        )

    async def test_complete_step_with_a_stale_version_logs_nothing(
        self, storage: ISagaStorage
    ) -> None:
        saga_id = await created(storage)
        with pytest.raises(SagaConcurrencyError):
            await storage.complete_step(saga_id, "Reserve", {"n": 5}, current_version=7)
        assert await storage.get_step_history(saga_id) == []

    async def test_the_history_keeps_the_logging_order(self, storage: ISagaStorage) -> None:
        saga_id = await created(storage)
        await storage.log_step(saga_id, "A", SagaAction.ACT, SagaStepStatus.COMPLETED)
        await storage.log_step(saga_id, "B", SagaAction.ACT, SagaStepStatus.FAILED, "boom")
        await storage.log_step(saga_id, "A", SagaAction.COMPENSATE, SagaStepStatus.COMPLETED)
        history = await storage.get_step_history(saga_id)
        assert [(e.step_name, e.action, e.status, e.details) for e in history] == [
            ("A", SagaAction.ACT, SagaStepStatus.COMPLETED, ""),
            ("B", SagaAction.ACT, SagaStepStatus.FAILED, "boom"),
            ("A", SagaAction.COMPENSATE, SagaStepStatus.COMPLETED, ""),
        ]
        assert [e.timestamp for e in history] == sorted(e.timestamp for e in history)

    async def test_a_loaded_context_is_a_copy(self, storage: ISagaStorage) -> None:
        saga_id = await created(storage, {"items": ["a"]})
        _, context, _ = await storage.load_saga_state(saga_id)
        context["items"].append("b")
        assert (await storage.load_saga_state(saga_id))[1] == {"items": ["a"]}

    async def test_only_unfinished_sagas_are_listed_for_recovery(
        self, storage: ISagaStorage
    ) -> None:
        ids = {status: await created(storage) for status in SagaStatus}
        for status, saga_id in ids.items():
            await storage.update_status(saga_id, status)
        listed = set(await storage.get_sagas_for_recovery(saga_name="OrderSaga"))
        expected = {SagaStatus.RUNNING, SagaStatus.COMPENSATING, SagaStatus.FAILED}
        assert listed == {ids[status] for status in expected}
        assert await storage.get_sagas_for_recovery(saga_name="Other") == []

    @pytest.mark.parametrize(
        "call",
        [
            lambda s, i: s.load_saga_state(i),
            lambda s, i: s.load_saga(i),
            lambda s, i: s.get_step_history(i),
            lambda s, i: s.update_status(i, SagaStatus.FAILED),
            lambda s, i: s.update_context(i, {}),
            lambda s, i: s.complete_step(i, "A", {}),
            lambda s, i: s.log_step(i, "A", SagaAction.ACT, SagaStepStatus.FAILED),
        ],
    )
    async def test_an_unknown_id_is_not_found(
        self, storage: ISagaStorage, call: Callable[..., object]
    ) -> None:
        with pytest.raises(SagaNotFoundError, match="no saga with id"):
            await call(storage, uuid.uuid4())  # type: ignore[misc]
