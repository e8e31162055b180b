"""Recovery of an interrupted saga, and its step history (SagaLog).

The first run stops after its first step, as if the process died (the consumer
stops iterating: the saga stays RUNNING). `recover_saga` then resumes from the
last completed step: the reservation is not made twice. The history shows
every act with its status and timestamp.
Run it with `uv run python examples/saga_recovery.py`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.models import SagaContext
from cqrs.saga.recovery import recover_saga
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.memory import MemorySagaStorage


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str
    reservation_id: str | None = None
    payment_id: str | None = None


class ReserveInventoryStep(SagaStepHandler[OrderContext, str]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        # self.idempotency_key ("<saga id>:ReserveInventoryStep") is the same on every run
        # of this step of this saga: a reservation service can deduplicate on it.
        print(f"  reserving for {context.order_id}")
        context.reservation_id = f"res-{context.order_id}"
        return self._generate_step_result(context.reservation_id)


class ProcessPaymentStep(SagaStepHandler[OrderContext, str]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        print(f"  charging for reservation {context.reservation_id}")
        context.payment_id = f"pay-{context.order_id}"
        return self._generate_step_result(context.payment_id)


class OrderSaga(Saga[OrderContext]):
    steps = [ReserveInventoryStep, ProcessPaymentStep]


def saga_mapper(mapper: cqrs.SagaMap) -> None:
    mapper.bind(OrderContext, OrderSaga)


async def main() -> None:
    di_container = DefaultContainer()
    storage = MemorySagaStorage()
    mediator = saga_bootstrap.bootstrap(
        di_container=di_container, sagas_mapper=saga_mapper, saga_storage=storage
    )
    saga_id = uuid.uuid4()
    print("first run:")
    async for step_result in mediator.stream(OrderContext(order_id="123"), saga_id=saga_id):
        print(f"  Step completed: {step_result.step_type.__name__}; the process stops here")
        break
    print(f"  status: {(await storage.load_saga_state(saga_id))[0].value}")
    print("recovery:")
    saga = OrderSaga()
    status = await recover_saga(
        saga=saga,
        saga_id=saga_id,
        context_builder=OrderContext,
        container=di_container,  # Same container used in bootstrap
        storage=storage,
    )
    print(f"  status: {status.value}")
    print(f"  context: {(await storage.load_saga_state(saga_id))[1]}")
    history = await storage.get_step_history(saga_id)
    for entry in history:
        print(f"  {entry.timestamp:%H:%M:%S}: {entry.step_name} - {entry.action} - {entry.status}")


if __name__ == "__main__":
    asyncio.run(main())
