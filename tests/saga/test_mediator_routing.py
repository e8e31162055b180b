"""`SagaMediator` routing: which saga runs for a context, and the errors that say why not."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.exceptions import SagaError
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage

pytestmark = pytest.mark.anyio


@dataclasses.dataclass
class Ctx(SagaContext):
    n: int = 0


@dataclasses.dataclass
class Unbound(SagaContext):
    n: int = 0


class Add(SagaStepHandler[Ctx, None]):
    async def act(self, context: Ctx) -> SagaStepResult[Ctx, None]:
        context.n += 1
        return self._generate_step_result(None)

    async def compensate(self, context: Ctx) -> None:
        context.n -= 1


class AddAgain(Add):
    name = "add-again"


class First(Saga[Ctx]):
    steps = [Add]


class Second(Saga[Ctx]):
    steps = [Add, AddAgain]


class Elsewhere(Saga[Ctx]):
    steps = [Add]


def two_sagas(storage: MemorySagaStorage) -> object:
    def sagas(mapper: object) -> None:
        mapper.bind(Ctx, First)  # type: ignore[attr-defined]
        mapper.bind(Ctx, Second)  # type: ignore[attr-defined]

    return saga_bootstrap.bootstrap(sagas_mapper=sagas, saga_storage=storage)


class TestRouting:
    async def test_several_sagas_for_one_context_need_a_name(self) -> None:
        mediator = two_sagas(MemorySagaStorage())
        with pytest.raises(SagaError, match="several sagas"):
            mediator.stream(Ctx())  # type: ignore[attr-defined]

    async def test_the_named_saga_runs(self) -> None:
        mediator = two_sagas(MemorySagaStorage())
        context = Ctx()
        results = [r async for r in mediator.stream(context, saga=Second)]  # type: ignore[attr-defined]
        assert len(results) == 2
        assert context.n == 2

    async def test_a_saga_not_bound_to_the_context_is_refused(self) -> None:
        mediator = two_sagas(MemorySagaStorage())
        with pytest.raises(SagaError, match="Elsewhere"):
            mediator.stream(Ctx(), saga=Elsewhere)  # type: ignore[attr-defined]

    async def test_an_unbound_context_says_how_to_bind_it(self) -> None:
        mediator = two_sagas(MemorySagaStorage())
        with pytest.raises(SagaError, match=r"mapper.bind\(Unbound, YourSaga\)"):
            mediator.stream(Unbound())  # type: ignore[attr-defined]

    async def test_recover_finishes_a_stored_saga(self) -> None:
        storage = MemorySagaStorage()
        mediator = two_sagas(storage)
        saga_id = uuid.uuid4()
        async for _ in mediator.stream(Ctx(), saga_id, saga=Second):  # type: ignore[attr-defined]
            break  # the consumer stops after the first step: the saga stays RUNNING
        status = await mediator.recover(saga_id, Second)  # type: ignore[attr-defined]
        assert status is SagaStatus.COMPLETED
        _, data, _ = await storage.load_saga_state(saga_id)
        assert data["n"] == 2

    async def test_recover_refuses_a_saga_not_bound_here(self) -> None:
        mediator = two_sagas(MemorySagaStorage())
        with pytest.raises(SagaError, match="not bound in this mediator"):
            await mediator.recover(uuid.uuid4(), Elsewhere)  # type: ignore[attr-defined]
