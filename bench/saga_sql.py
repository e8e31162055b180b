"""Durable sagas: the 3-step bench saga on SqlAlchemySagaStorage (PostgreSQL by default).

    uv run --frozen python bench/saga_sql.py [--url URL] [--sagas 400]

Reports sagas/s with 1 and with 8 concurrent sagas, database commits per saga
(counted with SQLAlchemy's `commit` event), and the same saga on the memory
storage for comparison. The tables are created under unique names and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

from saga_scenario import BenchContext, BenchSaga
from sqlalchemy import MetaData, event
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga.mediator import SagaMediator
from cqrs.saga.storage.memory import MemorySagaStorage
from cqrs.saga.storage.protocol import ISagaStorage
from cqrs.saga.storage.sqlalchemy import SqlAlchemySagaStorage, create_tables, saga_tables

DEFAULT_URL = os.environ.get(
    "CQRS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def mediator_on(storage: ISagaStorage) -> SagaMediator:
    return saga_bootstrap.bootstrap(
        sagas_mapper=lambda m: m.bind(BenchContext, BenchSaga), saga_storage=storage
    )


async def sagas_per_second(mediator: SagaMediator, total: int, concurrency: int) -> float:
    """Run `total` sagas split over `concurrency` tasks; sagas completed per second."""

    async def worker(count: int) -> None:
        for _ in range(count):
            async for _result in mediator.stream(BenchContext(order_id="o"), saga_id=uuid.uuid4()):
                pass

    share = total // concurrency
    started = time.perf_counter()
    await asyncio.gather(*(worker(share) for _ in range(concurrency)))
    return share * concurrency / (time.perf_counter() - started)


async def main(url: str, total: int) -> None:
    engine = create_async_engine(url, pool_size=10)
    commits = 0

    def count_commit(*_: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(engine.sync_engine, "commit", count_commit)
    metadata = MetaData()
    suffix = uuid.uuid4().hex[:10]
    tables = saga_tables(f"bench_saga_exec_{suffix}", f"bench_saga_log_{suffix}", metadata)
    await create_tables(engine, *tables)
    try:
        mediator = mediator_on(SqlAlchemySagaStorage(async_sessionmaker(engine), *tables))
        await sagas_per_second(mediator, 20, 1)  # warm the pool and the statement caches
        rows = []
        for concurrency in (1, 8):
            commits = 0
            rate = await sagas_per_second(mediator, total, concurrency)
            rows.append((f"{engine.dialect.name}, {concurrency} concurrent", rate, commits / total))
        memory = mediator_on(MemorySagaStorage())
        rows.append(("memory, 1 at a time", await sagas_per_second(memory, total * 10, 1), 0.0))
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
        await engine.dispose()
    print(f"3-step saga, {total} sagas per SQL run ({url.rsplit('@', maxsplit=1)[-1]})")
    print(f"{'storage':<28} {'sagas/s':>10} {'commits/saga':>13}")
    for label, rate, per_saga in rows:
        print(f"{label:<28} {rate:>10,.0f} {per_saga:>13.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--sagas", type=int, default=400)
    options = parser.parse_args()
    asyncio.run(main(options.url, options.sagas))
