"""Benchmark scenario of cqrs-saga: a saga of 3 steps on the in-memory storage.

Each operation is one whole saga run under a new saga id: create, 3 acts each
logged (started, completed) with the context persisted, 3 results yielded,
status COMPLETED. Kept apart from `scenarios.py` so that the core scenarios do
not import the saga distribution.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable

from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.models import SagaContext
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage

Runner = Callable[[int], Awaitable[None]]


@dataclasses.dataclass
class BenchContext(SagaContext):
    order_id: str
    reserved: bool = False
    paid: bool = False
    shipped: bool = False


class Reserve(SagaStepHandler[BenchContext, None]):
    async def act(self, context: BenchContext) -> SagaStepResult[BenchContext, None]:
        context.reserved = True
        return self._generate_step_result(None)


class Pay(SagaStepHandler[BenchContext, None]):
    async def act(self, context: BenchContext) -> SagaStepResult[BenchContext, None]:
        context.paid = True
        return self._generate_step_result(None)


class Ship(SagaStepHandler[BenchContext, None]):
    async def act(self, context: BenchContext) -> SagaStepResult[BenchContext, None]:
        context.shipped = True
        return self._generate_step_result(None)


class BenchSaga(Saga[BenchContext]):
    steps = [Reserve, Pay, Ship]  # noqa: RUF012 - Saga.steps is a ClassVar


def saga_three_steps() -> Runner:
    """Run the 3-step saga n times, each under a new id, consuming every result."""
    mediator = saga_bootstrap.bootstrap(
        sagas_mapper=lambda m: m.bind(BenchContext, BenchSaga),
        saga_storage=MemorySagaStorage(),
    )

    async def run(n: int) -> None:
        stream = mediator.stream
        uuid4 = uuid.uuid4
        for _ in range(n):
            async for _result in stream(BenchContext(order_id="o-1"), saga_id=uuid4()):
                pass

    return run
