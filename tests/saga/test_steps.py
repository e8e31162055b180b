"""Step and saga declarations: stable names, duplicate names, timeouts, bad step lists."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest

import cqrs
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.exceptions import SagaStepTimeoutError
from cqrs.saga.fallback import Fallback
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage

pytestmark = pytest.mark.anyio

COMPENSATED: list[str] = []


@dataclasses.dataclass
class Ctx(SagaContext):
    n: int = 0


class Quick(SagaStepHandler[Ctx, None]):
    async def act(self, context: Ctx) -> SagaStepResult[Ctx, None]:
        return self._generate_step_result(None)

    async def compensate(self, context: Ctx) -> None:
        COMPENSATED.append(self.name)


class Named(Quick):
    name = "payments.capture.v1"


class Stuck(Quick):
    timeout = 0.01

    async def act(self, context: Ctx) -> SagaStepResult[Ctx, None]:
        await asyncio.Event().wait()  # never completes: only the timeout ends it
        raise AssertionError("unreachable")


class Cheap(Quick):
    pass


def mediator_for(saga: type[Saga[Any]], storage: MemorySagaStorage) -> cqrs.SagaMediator:
    return saga_bootstrap.bootstrap(
        sagas_mapper=lambda m: m.bind(Ctx, saga),
        saga_storage=storage,
        compensation_retry_delay=0.0,
    )


class TestNames:
    def test_the_default_name_is_the_qualified_class_name_without_module(self) -> None:
        assert Quick.name == "Quick"
        assert "test_steps" not in Quick.name

    def test_a_subclass_gets_its_own_default_name(self) -> None:
        assert Cheap.name == "Cheap"

    async def test_steps_are_logged_under_their_declared_name(self) -> None:
        class NamedSaga(Saga[Ctx]):
            steps = [Named]

        storage = MemorySagaStorage()
        saga_id = uuid.uuid4()
        async for _ in mediator_for(NamedSaga, storage).stream(Ctx(), saga_id=saga_id):
            pass
        names = {e.step_name for e in await storage.get_step_history(saga_id)}
        assert names == {"payments.capture.v1"}

    def test_two_steps_with_one_name_are_refused_at_bind(self) -> None:
        class Twice(Saga[Ctx]):
            steps = [Quick, Fallback(step=Cheap, fallback=Quick)]

        with pytest.raises(cqrs.BindingError, match="two steps are stored under the name 'Quick'"):
            mediator_for(Twice, MemorySagaStorage())

    @pytest.mark.parametrize("steps", [[], [object()], "Quick"])
    def test_a_bad_step_list_is_refused_at_bind(self, steps: Any) -> None:
        class Bad(Saga[Ctx]):
            pass

        Bad.steps = steps
        with pytest.raises(cqrs.BindingError, match=r"Bad\.steps"):
            mediator_for(Bad, MemorySagaStorage())

    def test_the_context_type_must_be_a_saga_context(self) -> None:
        class S(Saga[Ctx]):
            steps = [Quick]

        with pytest.raises(cqrs.BindingError, match="SagaContext subclass"):
            saga_bootstrap.bootstrap(sagas_mapper=lambda m: m.bind(int, S))


class BareResponse(Quick):
    async def act(self, context: Ctx) -> Any:
        return "bare"  # not a SagaStepResult: still recorded, yielded and compensated


class TestResults:
    async def test_a_step_returning_a_bare_response_is_yielded_and_compensated(self) -> None:
        class Bare(Saga[Ctx]):
            steps = [BareResponse, Stuck]

        COMPENSATED.clear()
        storage = MemorySagaStorage()
        saga_id = uuid.uuid4()
        yielded: list[Any] = []

        async def run() -> None:
            async for result in mediator_for(Bare, storage).stream(Ctx(), saga_id=saga_id):
                yielded.append(result)

        with pytest.raises(SagaStepTimeoutError):
            await run()
        assert [(r.step_type, r.response, r.saga_id) for r in yielded] == [
            (BareResponse, "bare", saga_id)
        ]
        assert COMPENSATED == ["BareResponse"]


class TestTimeout:
    async def test_exceeding_the_timeout_fails_the_step_and_compensates(self) -> None:
        class Slow(Saga[Ctx]):
            steps = [Cheap, Stuck]

        COMPENSATED.clear()
        storage = MemorySagaStorage()
        saga_id = uuid.uuid4()
        with pytest.raises(SagaStepTimeoutError, match=r"'Stuck'.*timeout of 0\.01 s"):
            async for _ in mediator_for(Slow, storage).stream(Ctx(), saga_id=saga_id):
                pass
        assert COMPENSATED == ["Cheap"]
        assert (await storage.load_saga_state(saga_id))[0] is SagaStatus.COMPENSATED

    async def test_a_primary_exceeding_its_timeout_hands_over_to_the_fallback(self) -> None:
        class Covered(Saga[Ctx]):
            steps = [Fallback(step=Stuck, fallback=Cheap, failure_exceptions=(TimeoutError,))]

        storage = MemorySagaStorage()
        saga_id = uuid.uuid4()
        results = [r async for r in mediator_for(Covered, storage).stream(Ctx(), saga_id=saga_id)]
        assert [r.step_type for r in results] == [Cheap]
        history = await storage.get_step_history(saga_id)
        assert [(e.step_name, e.status.value) for e in history] == [
            ("Stuck", "failed"),
            ("Cheap", "completed"),
        ]
        assert "SagaStepTimeoutError" in history[0].details

    def test_the_timeout_error_is_a_timeout_error_and_a_cqrs_error(self) -> None:
        assert issubclass(SagaStepTimeoutError, TimeoutError)
        assert issubclass(SagaStepTimeoutError, cqrs.CQRSError)

    def test_a_non_positive_timeout_is_refused_at_class_definition(self) -> None:
        with pytest.raises(TypeError, match="timeout must be a positive number"):

            class Bad(Quick):
                timeout = 0
