"""Chains of responsibility by the way their links are built and linked.

Links without events are built and linked in one pass; links whose construction
awaits are resolved through the container; links that override `set_next` are linked
through it. Each way must give the same answers.
"""

from __future__ import annotations

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.requests import bootstrap
from cqrs.requests.cor_request_handler import build_chain


class Pay(cqrs.Request):
    method: str


class Paid(cqrs.Response):
    by: str


class Ledger:
    """Shared by the links of one test: which links ran, in order."""

    def __init__(self) -> None:
        self.ran: list[str] = []


class _Quiet(cqrs.CORRequestHandler[Pay, Paid]):
    """A link without events: answers its own method, else passes the request on."""

    method = ""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def handle(self, request: Pay) -> Paid | None:
        self.ledger.ran.append(self.method)
        if request.method == self.method:
            return Paid(by=self.method)
        return await self.next(request)


class Card(_Quiet):
    method = "card"


class Paypal(_Quiet):
    method = "paypal"


class Bank(_Quiet):
    method = "bank"


class Linked(_Quiet):
    """Overrides `set_next` (allowed by the base class): the chain must use it."""

    method = "linked"

    def set_next(self, handler: cqrs.CORRequestHandler[Pay, Paid] | None) -> None:
        self.ledger.ran.append(f"set_next({type(handler).__name__})")
        super().set_next(handler)


def mediator(
    ledger: Ledger, chain: list[type], container: DefaultContainer | None = None
) -> cqrs.RequestMediator:
    container = container or DefaultContainer()
    container.bind_instance(Ledger, ledger)
    return bootstrap.bootstrap(di_container=container, commands_mapper=lambda m: m.bind(Pay, chain))


class TestQuietLinks:
    @pytest.mark.anyio
    async def test_the_third_link_answers(self) -> None:
        ledger = Ledger()

        paid = await mediator(ledger, [Card, Paypal, Bank]).send(Pay(method="bank"))

        assert paid == Paid(by="bank")
        assert ledger.ran == ["card", "paypal", "bank"]

    @pytest.mark.anyio
    async def test_no_link_answers(self) -> None:
        ledger = Ledger()

        assert await mediator(ledger, [Card, Paypal]).send(Pay(method="cash")) is None

    @pytest.mark.anyio
    async def test_links_are_fresh_per_send(self) -> None:
        ledger = Ledger()
        send = mediator(ledger, [Card, Paypal]).send

        await send(Pay(method="paypal"))
        await send(Pay(method="card"))

        assert ledger.ran == ["card", "paypal", "card"]


class TestAsyncBuiltLinks:
    @pytest.mark.anyio
    async def test_links_whose_dependency_is_async_answer(self) -> None:
        ledger = Ledger()

        async def open_ledger() -> Ledger:
            return ledger

        container = DefaultContainer()
        container.bind(Ledger, open_ledger)
        chain = bootstrap.bootstrap(
            di_container=container, commands_mapper=lambda m: m.bind(Pay, [Card, Bank])
        )

        assert await chain.send(Pay(method="bank")) == Paid(by="bank")
        assert ledger.ran == ["card", "bank"]


class TestOverriddenSetNext:
    @pytest.mark.anyio
    async def test_the_override_links_the_chain(self) -> None:
        ledger = Ledger()

        paid = await mediator(ledger, [Linked, Bank]).send(Pay(method="bank"))

        assert paid == Paid(by="bank")
        assert ledger.ran == ["set_next(Bank)", "linked", "bank"]


class TestBuildChain:
    @pytest.mark.anyio
    async def test_links_instances_in_order_and_returns_the_head(self) -> None:
        ledger = Ledger()
        head = build_chain([Card(ledger), Paypal(ledger), Bank(ledger)])

        assert await head.handle(Pay(method="bank")) == Paid(by="bank")
        assert ledger.ran == ["card", "paypal", "bank"]

    @pytest.mark.anyio
    async def test_the_last_link_passes_to_nothing(self) -> None:
        head = build_chain([Card(Ledger())])

        assert await head.handle(Pay(method="bank")) is None

    def test_an_empty_list_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least one handler"):
            build_chain([])
