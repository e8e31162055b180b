"""CoRMermaid: Mermaid sequence and class diagrams of a chain of responsibility."""

from __future__ import annotations

import pytest

import cqrs
from cqrs.requests.mermaid import CoRMermaid


class Pay(cqrs.Request):
    method: str


class Paid(cqrs.Response):
    by: str


class CardHandler(cqrs.CORRequestHandler[Pay, Paid]):
    async def handle(self, request: Pay) -> Paid | None:
        return await self.next(request)


class PaypalHandler(cqrs.CORRequestHandler[Pay, Paid]):
    async def handle(self, request: Pay) -> Paid | None:
        return await self.next(request)


class DefaultHandler(cqrs.CORRequestHandler[Pay, Paid]):
    async def handle(self, request: Pay) -> Paid | None:
        return Paid(by="default")


CHAIN = [CardHandler, PaypalHandler, DefaultHandler]
NAMES = ["CardHandler", "PaypalHandler", "DefaultHandler"]


def first_positions(text: str, names: list[str]) -> list[int]:
    return [text.index(name) for name in names]


class TestSequenceDiagram:
    def test_starts_with_sequence_diagram(self) -> None:
        assert CoRMermaid(CHAIN).sequence().startswith("sequenceDiagram")

    def test_mentions_every_handler_in_chain_order(self) -> None:
        text = CoRMermaid(CHAIN).sequence()

        positions = first_positions(text, NAMES)

        assert positions == sorted(positions)

    def test_mentions_the_request_type(self) -> None:
        assert "Pay" in CoRMermaid(CHAIN).sequence()


class TestClassDiagram:
    def test_starts_with_class_diagram(self) -> None:
        assert CoRMermaid(CHAIN).class_diagram().startswith("classDiagram")

    def test_has_an_inheritance_arrow_per_handler(self) -> None:
        lines = CoRMermaid(CHAIN).class_diagram().splitlines()

        for name in NAMES:
            assert sum("<|--" in line and name in line for line in lines) == 1

    def test_links_the_handlers_in_chain_order(self) -> None:
        lines = CoRMermaid(CHAIN).class_diagram().splitlines()

        links = [line.split(":")[0].split() for line in lines if "-->" in line]

        assert links == [
            ["CardHandler", "-->", "PaypalHandler"],
            ["PaypalHandler", "-->", "DefaultHandler"],
        ]

    def test_contains_no_note_for(self) -> None:
        """`Note for` is not valid inside a Mermaid classDiagram block."""
        assert "Note for" not in CoRMermaid(CHAIN).class_diagram()


class TestEmptyChain:
    def test_empty_list_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            CoRMermaid([])


class NoAnswer(cqrs.Request):
    pass


class FirstSilent(cqrs.CORRequestHandler[NoAnswer, None]):
    async def handle(self, request: NoAnswer) -> None:
        return await self.next(request)


class LastSilent(cqrs.CORRequestHandler[NoAnswer, None]):
    async def handle(self, request: NoAnswer) -> None:
        return None


class TestCommandChain:
    def test_a_chain_answering_none_declares_no_response_class(self) -> None:
        diagram = CoRMermaid([FirstSilent, LastSilent]).class_diagram()
        assert "class None" not in diagram
        assert "returns" not in diagram
        assert "FirstSilent --> LastSilent : next" in diagram

    def test_its_sequence_ends_with_none(self) -> None:
        diagram = CoRMermaid([FirstSilent, LastSilent]).sequence()
        assert diagram.rstrip().endswith("Mediator-->>Client: None")
