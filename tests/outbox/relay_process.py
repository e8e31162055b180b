"""A relay process that claims one batch and hangs while sending it (killed by test_faults.py).

    python relay_process.py URL TABLE LEASE_SECONDS

Prints `claimed N` once it holds a batch of N rows, then never returns.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from cqrs.message_brokers.protocol import Message
from cqrs.outbox import OutboxedEvent
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository, outbox_table
from cqrs.producer import EventProducer


class HangingBroker:
    async def send_message(self, message: Message) -> None:
        await asyncio.Event().wait()


class AnnouncingRepository(SqlAlchemyOutboxedEventRepository):
    async def claim_batch(self, limit: int, *, lease: timedelta) -> list[OutboxedEvent]:
        rows = await super().claim_batch(limit, lease=lease)
        print(f"claimed {len(rows)}", flush=True)
        return rows


async def main(url: str, table_name: str, lease_seconds: float) -> None:
    engine = create_async_engine(url)
    async with async_sessionmaker(engine)() as session:
        table = outbox_table(table_name, MetaData())
        repository = AnnouncingRepository(session, table=table)
        producer = EventProducer(
            HangingBroker(), repository, lease=timedelta(seconds=lease_seconds)
        )
        await producer.relay_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
