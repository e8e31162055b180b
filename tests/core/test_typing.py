"""Static typing contract: mypy --strict (run over tests/) checks these `assert_type`s.

At run time `assert_type` returns its argument unchanged, so the tests also
exercise the calls; the typing promise is enforced by `make typecheck`.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

import cqrs
from cqrs.requests import bootstrap


class Total(cqrs.Response):
    amount: float


class GetTotal(cqrs.Request[Total]):
    order_id: str


class Untyped(cqrs.Request):
    order_id: str


class Tick(cqrs.Response):
    n: int


class Count(cqrs.Request[Tick]):
    upto: int


class GetTotalHandler(cqrs.RequestHandler[GetTotal, Total]):
    async def handle(self, request: GetTotal) -> Total:
        return Total(amount=1.5)


class UntypedHandler(cqrs.RequestHandler[Untyped, None]):
    async def handle(self, request: Untyped) -> None:
        return None


class CountHandler(cqrs.StreamingRequestHandler[Count, Tick]):
    async def handle(self, request: Count) -> AsyncIterator[Tick]:
        for n in range(request.upto):
            yield Tick(n=n)


@pytest.mark.anyio
class TestInference:
    async def test_send_is_typed_by_the_request_parameter(self) -> None:
        mediator = bootstrap.bootstrap(
            queries_mapper=lambda m: m.bind(GetTotal, GetTotalHandler),
        )
        total = assert_type(await mediator.send(GetTotal(order_id="o")), Total)
        assert total.amount == 1.5

    async def test_unparametrised_request_sends_any(self) -> None:
        mediator = bootstrap.bootstrap(
            commands_mapper=lambda m: m.bind(Untyped, UntypedHandler),
        )
        assert assert_type(await mediator.send(Untyped(order_id="o")), Any) is None

    async def test_stream_items_are_typed(self) -> None:
        mediator = bootstrap.bootstrap_streaming(
            commands_mapper=lambda m: m.bind(Count, CountHandler),
        )
        items = [assert_type(item, Tick) async for item in mediator.stream(Count(upto=2))]
        assert [item.n for item in items] == [0, 1]
