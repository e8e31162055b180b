"""One commit per step boundary: a 3-step saga on SQL storage commits 4 times in all."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from cqrs.container.default import DefaultContainer
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.models import SagaAction, SagaStatus, SagaStepStatus

from .conftest import Database
from .three_steps import Journal, OrderContext, ThreeSteps

pytestmark = pytest.mark.anyio


async def test_a_three_step_saga_commits_once_to_create_and_once_per_step(
    saga_database: Database, tmp_path: Path
) -> None:
    container = DefaultContainer()
    container.bind_instance(Journal, Journal(tmp_path / "journal.txt"))
    storage = saga_database.storage()
    mediator = saga_bootstrap.bootstrap(
        di_container=container,
        sagas_mapper=lambda m: m.bind(OrderContext, ThreeSteps),
        saga_storage=storage,
    )
    commits: list[int] = []

    def on_commit(*_: Any) -> None:
        commits.append(1)

    event.listen(saga_database.engine.sync_engine, "commit", on_commit)
    saga_id = uuid.uuid4()
    try:
        async for _ in mediator.stream(OrderContext(order_id="o"), saga_id=saga_id):
            pass
    finally:
        event.remove(saga_database.engine.sync_engine, "commit", on_commit)
    assert len(commits) == 4
    status, context, version = await storage.load_saga_state(saga_id)
    assert (status, context["done"], version) == (SagaStatus.COMPLETED, ["A", "B", "C"], 4)
    history = await storage.get_step_history(saga_id)
    assert [(e.step_name, e.action, e.status) for e in history] == [
        (name, SagaAction.ACT, SagaStepStatus.COMPLETED) for name in "ABC"
    ]
