"""Mermaid diagrams of a saga with a fallback step: paste the output into mermaid.live.

Run it with `uv run python examples/saga_mermaid.py`.
"""

from __future__ import annotations

import dataclasses

from cqrs.response import Response
from cqrs.saga.fallback import Fallback
from cqrs.saga.mermaid import SagaMermaid
from cqrs.saga.models import SagaContext
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str


class ReserveInventoryResponse(Response):
    reservation_id: str


class ReserveInventoryStep(SagaStepHandler[OrderContext, ReserveInventoryResponse]):
    async def act(
        self, context: OrderContext
    ) -> SagaStepResult[OrderContext, ReserveInventoryResponse]:
        return self._generate_step_result(ReserveInventoryResponse(reservation_id="r1"))


class ReserveFromPartnerStep(SagaStepHandler[OrderContext, ReserveInventoryResponse]):
    async def act(
        self, context: OrderContext
    ) -> SagaStepResult[OrderContext, ReserveInventoryResponse]:
        return self._generate_step_result(ReserveInventoryResponse(reservation_id="p1"))


class ProcessPaymentStep(SagaStepHandler[OrderContext, None]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, None]:
        return self._generate_step_result(None)


class OrderSaga(Saga[OrderContext]):
    steps = [
        Fallback(step=ReserveInventoryStep, fallback=ReserveFromPartnerStep),
        ProcessPaymentStep,
    ]


def main() -> None:
    # Create Mermaid generator from saga class
    saga = OrderSaga()
    generator = SagaMermaid(saga)
    # Sequence diagram showing execution flow
    sequence_diagram = generator.sequence()
    # Class diagram showing type structure
    class_diagram = generator.class_diagram()
    print(sequence_diagram)
    print()
    print(class_diagram)


if __name__ == "__main__":
    main()
