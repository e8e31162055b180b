"""Chain of responsibility: the first link that answers wins; every link's events count."""

from __future__ import annotations

import pytest

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.requests import bootstrap


class Journal:
    def __init__(self) -> None:
        self.entries: list[str] = []


class Pay(cqrs.Request):
    method: str


class Paid(cqrs.Response):
    by: str


class LinkRan(cqrs.DomainEvent):
    link: str


class _Link(cqrs.CORRequestHandler[Pay, Paid]):
    """Records a `LinkRan` event whenever it runs, answers only its own method."""

    method = ""

    def __init__(self) -> None:
        self._events: list[cqrs.DomainEvent] = []

    @property
    def events(self) -> list[cqrs.DomainEvent]:
        return self._events.copy()

    def clear_events(self) -> None:
        self._events.clear()

    async def handle(self, request: Pay) -> Paid | None:
        self._events.append(LinkRan(link=type(self).__name__))
        if request.method == self.method:
            return Paid(by=type(self).__name__)
        return await self.next(request)


class CardLink(_Link):
    method = "card"


class PaypalLink(_Link):
    method = "paypal"


class BankLink(_Link):
    method = "bank"


class OnLinkRan(cqrs.EventHandler[LinkRan]):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def handle(self, event: LinkRan) -> None:
        self._journal.entries.append(event.link)


class NotALink(cqrs.RequestHandler[Pay, Paid]):
    async def handle(self, request: Pay) -> Paid:
        return Paid(by="plain")


def payments(mapper: cqrs.RequestMap) -> None:
    mapper.bind(Pay, [CardLink, PaypalLink, BankLink])


def domain_events(mapper: cqrs.EventMap) -> None:
    mapper.bind(LinkRan, OnLinkRan)


def mediator(journal: Journal) -> cqrs.RequestMediator:
    container = DefaultContainer()
    container.bind_instance(Journal, journal)
    return bootstrap.bootstrap(
        di_container=container, commands_mapper=payments, domain_events_mapper=domain_events
    )


class TestChainAnswers:
    @pytest.mark.anyio
    async def test_first_link_answers(self) -> None:
        assert await mediator(Journal()).send(Pay(method="card")) == Paid(by="CardLink")

    @pytest.mark.anyio
    async def test_second_link_answers(self) -> None:
        assert await mediator(Journal()).send(Pay(method="paypal")) == Paid(by="PaypalLink")

    @pytest.mark.anyio
    async def test_third_link_answers(self) -> None:
        assert await mediator(Journal()).send(Pay(method="bank")) == Paid(by="BankLink")

    @pytest.mark.anyio
    async def test_past_the_last_link_returns_none(self) -> None:
        assert await mediator(Journal()).send(Pay(method="cash")) is None


class TestChainEvents:
    @pytest.mark.anyio
    async def test_events_of_every_link_that_ran_are_processed(self) -> None:
        """DESIGN §6: the reference processes only the chain head's events."""
        journal = Journal()

        await mediator(journal).send(Pay(method="bank"))

        assert sorted(journal.entries) == ["BankLink", "CardLink", "PaypalLink"]

    @pytest.mark.anyio
    async def test_events_of_links_that_did_not_run_are_absent(self) -> None:
        journal = Journal()

        await mediator(journal).send(Pay(method="paypal"))

        assert sorted(journal.entries) == ["CardLink", "PaypalLink"]

    @pytest.mark.anyio
    async def test_events_are_processed_when_no_link_answers(self) -> None:
        journal = Journal()

        await mediator(journal).send(Pay(method="cash"))

        assert sorted(journal.entries) == ["BankLink", "CardLink", "PaypalLink"]

    @pytest.mark.anyio
    async def test_events_are_not_processed_twice_across_sends(self) -> None:
        journal = Journal()
        mediator_ = mediator(journal)

        await mediator_.send(Pay(method="card"))
        await mediator_.send(Pay(method="card"))

        assert journal.entries == ["CardLink", "CardLink"]


class TestChainBinding:
    def test_non_cor_handler_in_a_chain_is_a_binding_error(self) -> None:
        with pytest.raises(cqrs.BindingError, match="NotALink"):
            cqrs.RequestMap().bind(Pay, [CardLink, NotALink])

    def test_empty_chain_is_a_binding_error(self) -> None:
        with pytest.raises(cqrs.BindingError, match="empty"):
            cqrs.RequestMap().bind(Pay, [])

    def test_non_cor_handler_in_a_chain_fails_bootstrap(self) -> None:
        def mapper(request_map: cqrs.RequestMap) -> None:
            request_map.bind(Pay, [CardLink, NotALink])

        with pytest.raises(cqrs.BindingError):
            bootstrap.bootstrap(commands_mapper=mapper)
