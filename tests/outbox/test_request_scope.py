"""One unit of work per request: the handler's row and its outbox row commit or roll back together.

The built-in container binds `AsyncSession` with `scoped=True`: the handler and the
outbox repository it receives share the session of the `send`, closed when it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository
from cqrs.requests import bootstrap

from .conftest import Database

pytestmark = pytest.mark.anyio


class PlaceOrder(cqrs.Request[None]):
    order_id: int
    fail: bool = False


class PlaceOrderHandler(cqrs.RequestHandler[PlaceOrder, None]):
    orders: Table
    sessions: list[AsyncSession] = []

    def __init__(self, session: AsyncSession, outbox: cqrs.OutboxedEventRepository) -> None:
        self.session, self.outbox = session, outbox

    async def handle(self, request: PlaceOrder) -> None:
        PlaceOrderHandler.sessions.append(self.session)
        await self.session.execute(self.orders.insert().values(id=request.order_id, name="o"))
        self.outbox.add(
            cqrs.NotificationEvent(
                event_name="OrderPlaced", topic="orders", payload={"id": request.order_id}
            )
        )
        if request.fail:
            raise RuntimeError("payment refused")
        await self.outbox.commit()


def _mediator(database: Database, orders: Table) -> cqrs.RequestMediator:
    PlaceOrderHandler.orders = orders
    PlaceOrderHandler.sessions = []
    container = DefaultContainer()
    container.bind(AsyncSession, database.sessions, scoped=True)
    container.bind(cqrs.OutboxedEventRepository, _outbox_factory(database))
    return bootstrap.bootstrap(
        di_container=container, commands_mapper=lambda m: m.bind(PlaceOrder, PlaceOrderHandler)
    )


def _outbox_factory(database: Database) -> Callable[..., Any]:
    def outbox(session: AsyncSession) -> SqlAlchemyOutboxedEventRepository:
        return SqlAlchemyOutboxedEventRepository(session, table=database.outbox)

    return outbox


async def _counts(database: Database, orders: Table) -> tuple[int, int]:
    async with database.sessions() as session:
        count = select(func.count())
        return (
            (await session.execute(count.select_from(orders))).scalar_one(),
            (await session.execute(count.select_from(database.outbox))).scalar_one(),
        )


async def test_handler_row_and_outbox_row_commit_together(
    database: Database, orders: Table
) -> None:
    await _mediator(database, orders).send(PlaceOrder(order_id=1))
    assert await _counts(database, orders) == (1, 1)


async def test_handler_row_and_outbox_row_roll_back_together(
    database: Database, orders: Table
) -> None:
    with pytest.raises(RuntimeError, match="payment refused"):
        await _mediator(database, orders).send(PlaceOrder(order_id=1, fail=True))
    assert await _counts(database, orders) == (0, 0)


async def test_each_send_has_its_own_session(database: Database, orders: Table) -> None:
    mediator = _mediator(database, orders)
    await mediator.send(PlaceOrder(order_id=1))
    await mediator.send(PlaceOrder(order_id=2))
    first, second = PlaceOrderHandler.sessions
    assert first is not second


async def test_a_failed_send_closes_its_session(database: Database, orders: Table) -> None:
    with pytest.raises(RuntimeError, match="payment refused"):
        await _mediator(database, orders).send(PlaceOrder(order_id=1, fail=True))
    # Left open, the session would still hold its connection and its transaction.
    assert database.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
