"""A durable saga on SQLite: the worker process dies mid-saga, a recovery worker finishes it.

The script starts itself again as a child process that runs a 3-step order saga
on a SQLite file and kills itself (SIGKILL, no cleanup) right after the second
step's commit. The parent then runs `SagaRecoveryWorker.recover_once()` on the
same file: the saga continues with its third step only, and the step history
shows where the crash happened. Run it with
`uv run python examples/saga_sqlite_recovery.py` (part of `make demo`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.recovery import SagaRecoveryWorker
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult
from cqrs.saga.storage.sqlalchemy import SqlAlchemySagaStorage, create_tables


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str
    reservation_id: str | None = None
    payment_id: str | None = None
    shipment_id: str | None = None


class ReserveStock(SagaStepHandler[OrderContext, str]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        print(f"[pid {os.getpid()}] reserving stock for {context.order_id}")
        context.reservation_id = f"res-{context.order_id}"
        return self._generate_step_result(context.reservation_id)


class ChargeCard(SagaStepHandler[OrderContext, str]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        # A real payment API would get self.idempotency_key, so a re-run charges once.
        print(f"[pid {os.getpid()}] charging card (key {self.idempotency_key})")
        context.payment_id = f"pay-{context.order_id}"
        return self._generate_step_result(context.payment_id)


class ShipOrder(SagaStepHandler[OrderContext, str]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, str]:
        print(f"[pid {os.getpid()}] shipping {context.order_id}")
        context.shipment_id = f"ship-{context.order_id}"
        return self._generate_step_result(context.shipment_id)


class OrderSaga(Saga[OrderContext]):
    steps = [ReserveStock, ChargeCard, ShipOrder]


def storage_for(engine: Any) -> SqlAlchemySagaStorage:
    return SqlAlchemySagaStorage(async_sessionmaker(engine), "orders_saga", "orders_saga_log")


async def crashing_child(url: str, saga_id: uuid.UUID) -> None:
    """Run the saga and die, like a killed pod, once ChargeCard's step is stored."""
    engine = create_async_engine(url)
    mediator = saga_bootstrap.bootstrap(
        sagas_mapper=lambda m: m.bind(OrderContext, OrderSaga), saga_storage=storage_for(engine)
    )
    async for result in mediator.stream(OrderContext(order_id="42"), saga_id=saga_id):
        if result.step_type is ChargeCard:  # yielded after the step's commit
            print(f"[pid {os.getpid()}] crashing now")
            os.kill(os.getpid(), signal.SIGKILL)


async def parent(url: str) -> None:
    engine = create_async_engine(url)
    storage = storage_for(engine)
    await create_tables(engine, *storage.tables)
    saga_id = uuid.uuid4()
    child = subprocess.run([sys.executable, __file__, url, str(saga_id)], check=False)
    print(f"worker process ended by signal {-child.returncode} (SIGKILL)")
    status, context, _ = await storage.load_saga_state(saga_id)
    print(f"after the crash: {status}, context {context}")

    worker = SagaRecoveryWorker(storage, [OrderSaga], stale_after=0.0)
    report = await worker.recover_once()
    print(f"recovered: {report.finished[saga_id]}")
    assert report.finished[saga_id] is SagaStatus.COMPLETED
    print("history:")
    for entry in await storage.get_step_history(saga_id):
        print(f"  {entry.step_name} - {entry.action} - {entry.status}")
    await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) == 3:
        asyncio.run(crashing_child(sys.argv[1], uuid.UUID(sys.argv[2])))
    else:
        with tempfile.TemporaryDirectory() as directory:
            asyncio.run(parent(f"sqlite+aiosqlite:///{Path(directory) / 'orders.db'}"))
