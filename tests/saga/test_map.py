"""`SagaMap.bind`: what it accepts, what it refuses, and freezing at bootstrap."""

from __future__ import annotations

import dataclasses

import pytest

import cqrs
from cqrs.saga.map import SagaMap
from cqrs.saga.models import SagaContext
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult


@dataclasses.dataclass
class Ctx(SagaContext):
    n: int = 0


class Step(SagaStepHandler[Ctx, None]):
    async def act(self, context: Ctx) -> SagaStepResult[Ctx, None]:
        return self._generate_step_result(None)

    async def compensate(self, context: Ctx) -> None:
        return None


class OneStep(Saga[Ctx]):
    steps = [Step]


class OtherSaga(Saga[Ctx]):
    steps = [Step]


class Empty(Saga[Ctx]):
    steps = []


class TestSagaMap:
    def test_binds_and_reads_back(self) -> None:
        sagas = SagaMap()
        sagas.bind(Ctx, OneStep)
        sagas.bind(Ctx, OtherSaga)
        assert sagas[Ctx] == (OneStep, OtherSaga)
        assert list(sagas) == [Ctx]
        assert len(sagas) == 1

    def test_a_frozen_map_refuses_binds(self) -> None:
        sagas = SagaMap()
        sagas.bind(Ctx, OneStep)
        view = sagas.freeze()
        assert view[Ctx] == (OneStep,)
        with pytest.raises(cqrs.BindingError, match="frozen"):
            sagas.bind(Ctx, OtherSaga)

    def test_the_key_must_be_a_saga_context(self) -> None:
        with pytest.raises(cqrs.BindingError, match="SagaContext subclass"):
            SagaMap().bind(dict, OneStep)

    def test_the_value_must_be_a_saga(self) -> None:
        with pytest.raises(cqrs.BindingError, match="needs a Saga subclass"):
            SagaMap().bind(Ctx, Step)  # type: ignore[arg-type]

    def test_binding_one_saga_twice_is_refused(self) -> None:
        sagas = SagaMap()
        sagas.bind(Ctx, OneStep)
        with pytest.raises(cqrs.BindingError, match="already bound"):
            sagas.bind(Ctx, OneStep)

    def test_an_invalid_step_list_is_a_binding_error(self) -> None:
        with pytest.raises(cqrs.BindingError):
            SagaMap().bind(Ctx, Empty)
