"""The seeds' order saga: reserve inventory, process payment, ship; compensation on failure.

The first order goes through; the second one fails at shipping, so the payment
is refunded and the reservation released, in reverse order, and the error reaches
the caller. The step history (SagaLog) of each saga is printed.
Run it with `uv run python examples/saga_order.py`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import cqrs
from cqrs.response import Response
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.models import SagaContext
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str
    user_id: str
    items: list[str]
    total_amount: float
    inventory_reservation_id: str | None = None
    payment_id: str | None = None


class ReserveInventoryResponse(Response):
    reservation_id: str


class ProcessPaymentResponse(Response):
    payment_id: str


class OrderReserved(cqrs.DomainEvent):
    order_id: str


class ReserveInventoryStep(SagaStepHandler[OrderContext, ReserveInventoryResponse]):
    def __init__(self) -> None:
        self._events: list[cqrs.IEvent] = []

    async def act(
        self, context: OrderContext
    ) -> SagaStepResult[OrderContext, ReserveInventoryResponse]:
        context.inventory_reservation_id = f"res-{context.order_id}"
        self._events.append(OrderReserved(order_id=context.order_id))
        return self._generate_step_result(
            ReserveInventoryResponse(reservation_id=context.inventory_reservation_id)
        )

    async def compensate(self, context: OrderContext) -> None:
        print(f"  released reservation {context.inventory_reservation_id}")


class ProcessPaymentStep(SagaStepHandler[OrderContext, ProcessPaymentResponse]):
    async def act(
        self, context: OrderContext
    ) -> SagaStepResult[OrderContext, ProcessPaymentResponse]:
        # A real payment API would receive self.idempotency_key to deduplicate retries.
        context.payment_id = f"pay-{context.order_id}"
        return self._generate_step_result(ProcessPaymentResponse(payment_id=context.payment_id))

    async def compensate(self, context: OrderContext) -> None:
        print(f"  refunded payment {context.payment_id} ({context.total_amount})")


class ShipOrderStep(SagaStepHandler[OrderContext, None]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, None]:
        if "fragile" in context.items:
            raise RuntimeError(f"no courier accepts {context.items}")
        return self._generate_step_result(None)


class OrderSaga(Saga[OrderContext]):
    steps = [ReserveInventoryStep, ProcessPaymentStep, ShipOrderStep]


class OrderReservedHandler(cqrs.EventHandler[OrderReserved]):
    async def handle(self, event: OrderReserved) -> None:
        print(f"  event: order {event.order_id} reserved")


def saga_mapper(mapper: cqrs.SagaMap) -> None:
    mapper.bind(OrderContext, OrderSaga)


def events_mapper(mapper: cqrs.EventMap) -> None:
    mapper.bind(OrderReserved, OrderReservedHandler)


async def main() -> None:
    storage = MemorySagaStorage()
    mediator = saga_bootstrap.bootstrap(
        sagas_mapper=saga_mapper,
        domain_events_mapper=events_mapper,
        saga_storage=storage,
        compensation_retry_delay=0.1,
    )
    for order_id, items in (("123", ["item_1"]), ("456", ["fragile"])):
        context = OrderContext(order_id=order_id, user_id="user_1", items=items, total_amount=100.0)
        saga_id = uuid.uuid4()
        print(f"order {order_id}:")
        try:
            async for step_result in mediator.stream(context, saga_id=saga_id):
                print(f"  Step completed: {step_result.step_type.__name__}")
        except RuntimeError as exc:
            print(f"  failed: {exc}")
        status, _, _ = await storage.load_saga_state(saga_id)
        print(f"  status: {status.value}")
        for entry in await storage.get_step_history(saga_id):
            print(f"    {entry.step_name} - {entry.action.value} - {entry.status.value}")


if __name__ == "__main__":
    asyncio.run(main())
