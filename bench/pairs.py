"""Paired benchmarks: a subject timed against its baseline in the same run.

Each pair's figure is `median(subject) / median(baseline)`; the target bounds that
ratio (issue 8, "Speed"):

- the dependency-injector container path within 2x of the built-in container's: the
  same query, its handler taking a repository, sent through a mediator bootstrapped
  with each container;
- the pydantic flavour's `to_dict()` no slower than pydantic's own
  `model_dump(mode="json")` of a plain `pydantic.BaseModel` with the same fields and values
  (what python-cqrs's `to_dict()` is).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pydantic
from dependency_injector import containers, providers

import cqrs
import cqrs.pydantic
from cqrs.container.default import DefaultContainer
from cqrs.container.dependency_injector import DependencyInjectorCQRSContainer
from cqrs.requests import bootstrap

Runner = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Pair:
    """A subject and the baseline its time is divided by."""

    name: str
    target: float
    subject: Callable[[], Runner]
    baseline: Callable[[], Runner]


class Order(cqrs.Response):
    order_id: str
    total: float


class GetOrder(cqrs.Request[Order]):
    order_id: str


class OrderRepository:
    def total(self, order_id: str) -> float:
        return 10.0


class GetOrderHandler(cqrs.RequestHandler[GetOrder, Order]):
    def __init__(self, repository: OrderRepository) -> None:
        self.repository = repository

    async def handle(self, request: GetOrder) -> Order:
        return Order(order_id=request.order_id, total=self.repository.total(request.order_id))


class Services(containers.DeclarativeContainer):
    repository = providers.Factory(OrderRepository)


def _sender(di_container: object) -> Runner:
    mediator = bootstrap.bootstrap(
        di_container=di_container, queries_mapper=lambda m: m.bind(GetOrder, GetOrderHandler)
    )
    request = GetOrder(order_id="o-1")

    async def run(n: int) -> None:
        send = mediator.send
        for _ in range(n):
            await send(request)

    return run


def send_with_dependency_injector() -> Runner:
    return _sender(DependencyInjectorCQRSContainer(Services()))


def send_with_builtin_container() -> Runner:
    container = DefaultContainer()
    container.bind(OrderRepository, OrderRepository)
    return _sender(container)


class Line(cqrs.pydantic.Response):
    sku: str
    quantity: int
    price: float


class OrderPlaced(cqrs.pydantic.Response):
    order_id: uuid.UUID
    customer: str
    placed_at: dt.datetime
    lines: list[Line]
    tags: list[str]
    note: str | None = None


_PLACED = OrderPlaced(
    order_id=uuid.UUID(int=7),
    customer="ann",
    placed_at=dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc),
    lines=[Line(sku=f"sku-{i}", quantity=i, price=1.5 * i) for i in range(3)],
    tags=["a", "b"],
)


class PlainLine(pydantic.BaseModel):
    sku: str
    quantity: int
    price: float


class PlainOrderPlaced(pydantic.BaseModel):
    order_id: uuid.UUID
    customer: str
    placed_at: dt.datetime
    lines: list[PlainLine]
    tags: list[str]
    note: str | None = None


def pydantic_to_dict() -> Runner:
    to_dict = _PLACED.to_dict

    async def run(n: int) -> None:
        for _ in range(n):
            to_dict()

    return run


def pydantic_model_dump_json() -> Runner:
    dump = PlainOrderPlaced.model_validate(_PLACED.model_dump()).model_dump

    async def run(n: int) -> None:
        for _ in range(n):
            dump(mode="json")

    return run


PAIRS = [
    Pair(
        "dependency-injector container / built-in container (send a query, 1 dependency)",
        2,
        send_with_dependency_injector,
        send_with_builtin_container,
    ),
    Pair(
        "pydantic flavour's to_dict() / plain pydantic model_dump(mode='json')",
        1,
        pydantic_to_dict,
        pydantic_model_dump_json,
    ),
]
