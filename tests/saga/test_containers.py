"""Sagas and recovery accept every container bootstrap accepts."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.recovery import recover_saga
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage

pytestmark = pytest.mark.anyio


class Ledger:
    """A dependency of the steps, provided by the container under test."""

    def __init__(self) -> None:
        self.lines: list[str] = []


LEDGER = Ledger()


@dataclasses.dataclass
class Ctx(SagaContext):
    order_id: str


class Debit(SagaStepHandler[Ctx, None]):
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def act(self, context: Ctx) -> SagaStepResult[Ctx, None]:
        self.ledger.lines.append(f"debit {context.order_id}")
        return self._generate_step_result(None)


class Credit(Debit):
    async def act(self, context: Ctx) -> SagaStepResult[Ctx, None]:
        self.ledger.lines.append(f"credit {context.order_id}")
        return self._generate_step_result(None)


class Transfer(Saga[Ctx]):
    steps = [Debit, Credit]


def builtin() -> Any:
    from cqrs.container.default import DefaultContainer

    container = DefaultContainer()
    container.bind_instance(Ledger, LEDGER)
    return container


def di_container() -> Any:
    di = pytest.importorskip("di")
    from di.dependent import Dependent

    container = di.Container()
    container.bind(di.bind_by_type(Dependent(lambda: LEDGER, scope="request"), Ledger))
    return container


def dependency_injector_container() -> Any:
    pytest.importorskip("dependency_injector")
    from dependency_injector import containers, providers

    class App(containers.DeclarativeContainer):
        ledger = providers.Object(LEDGER)

    return App()


@pytest.mark.parametrize("make", [builtin, di_container, dependency_injector_container])
async def test_a_saga_run_and_its_recovery_use_the_given_container(
    make: Callable[[], Any],
) -> None:
    LEDGER.lines.clear()
    container = make()
    storage = MemorySagaStorage()
    mediator = saga_bootstrap.bootstrap(
        di_container=container,
        sagas_mapper=lambda m: m.bind(Ctx, Transfer),
        saga_storage=storage,
    )
    saga_id = uuid.uuid4()
    async for _ in mediator.stream(Ctx(order_id="t1"), saga_id=saga_id):
        break
    status = await recover_saga(
        saga=Transfer(),
        saga_id=saga_id,
        context_builder=Ctx,
        container=container,
        storage=storage,
    )
    assert status is SagaStatus.COMPLETED
    assert LEDGER.lines == ["debit t1", "credit t1"]
