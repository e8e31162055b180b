"""A worker process running one ThreeSteps saga on SQL storage (SIGKILLed by test_kill.py).

    python -m tests.saga.saga_process URL EXECUTION_TABLE LOG_TABLE JOURNAL SAGA_ID FAIL_STEP

With `CQRS_TEST_KILL_AT` set (see three_steps.py) the process kills itself at
that boundary; without it, it runs the saga to its end and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from cqrs.container.default import DefaultContainer
from cqrs.saga import bootstrap as saga_bootstrap
from tests.saga.three_steps import Journal, KillingStorage, OrderContext, ThreeSteps


async def main(url: str, executions: str, logs: str, journal: str, saga_id: str, fail: str) -> None:
    engine = create_async_engine(url)
    container = DefaultContainer()
    container.bind_instance(Journal, Journal(Path(journal)))
    mediator = saga_bootstrap.bootstrap(
        di_container=container,
        sagas_mapper=lambda m: m.bind(OrderContext, ThreeSteps),
        saga_storage=KillingStorage(async_sessionmaker(engine), executions, logs),
        compensation_retry_delay=0.0,
    )
    context = OrderContext(order_id="o-1", fail_step=fail)
    with contextlib.suppress(RuntimeError):  # a failing step: compensated, then raised
        async for _ in mediator.stream(context, saga_id=uuid.UUID(saga_id)):
            pass
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
