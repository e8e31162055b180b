"""The seeds' saga fallback behind a circuit breaker (needs cqrs-breaker).

`PrimaryStep` always fails ("Service unavailable"); `FallbackStep` reserves from
elsewhere. With `AioBreakerAdapter(fail_max=2, timeout_duration=60)` the first
two sagas try the primary and fall back; the second failure opens the circuit,
so the third saga goes straight to the fallback without calling the primary.
Run it with `uv run python examples/saga_fallback.py`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import cqrs
from cqrs.adapters.circuit_breaker import AioBreakerAdapter
from cqrs.response import Response
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.fallback import Fallback
from cqrs.saga.models import SagaContext
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str
    user_id: str
    items: list[str]
    total_amount: float
    reservation_id: str | None = None


class ReserveInventoryResponse(Response):
    reservation_id: str


class PrimaryStep(SagaStepHandler[OrderContext, ReserveInventoryResponse]):
    calls = 0

    async def act(
        self, context: OrderContext
    ) -> SagaStepResult[OrderContext, ReserveInventoryResponse]:
        PrimaryStep.calls += 1
        raise RuntimeError("Service unavailable")


class FallbackStep(SagaStepHandler[OrderContext, ReserveInventoryResponse]):
    async def act(
        self, context: OrderContext
    ) -> SagaStepResult[OrderContext, ReserveInventoryResponse]:
        reservation_id = f"fallback_reservation_{context.order_id}"
        context.reservation_id = reservation_id
        return self._generate_step_result(ReserveInventoryResponse(reservation_id=reservation_id))


class OrderSagaWithFallback(Saga[OrderContext]):
    steps = [
        Fallback(
            step=PrimaryStep,
            fallback=FallbackStep,
            circuit_breaker=AioBreakerAdapter(
                fail_max=2,  # Circuit opens after 2 failures
                timeout_duration=60,  # Wait 60 seconds before retry
            ),
        ),
    ]


def saga_mapper(mapper: cqrs.SagaMap) -> None:
    mapper.bind(OrderContext, OrderSagaWithFallback)


async def main() -> None:
    mediator = saga_bootstrap.bootstrap(sagas_mapper=saga_mapper)
    for n in range(1, 4):
        before = PrimaryStep.calls
        context = OrderContext(order_id=str(n), user_id="u", items=["i"], total_amount=1.0)
        async for result in mediator.stream(context, saga_id=uuid.uuid4()):
            tried = "primary failed, " if PrimaryStep.calls > before else "circuit open, "
            print(f"saga {n}: {tried}{result.step_type.__name__} -> {context.reservation_id}")


if __name__ == "__main__":
    asyncio.run(main())
