"""SagaMermaid diagrams, and the saga names reachable from the top-level `cqrs` package."""

from __future__ import annotations

import dataclasses
import re

import pytest

import cqrs
from cqrs.response import Response
from cqrs.saga.fallback import Fallback
from cqrs.saga.mermaid import SagaMermaid
from cqrs.saga.models import SagaContext
from cqrs.saga.saga import Saga
from cqrs.saga.step import SagaStepHandler, SagaStepResult


@dataclasses.dataclass
class OrderContext(SagaContext):
    order_id: str


class Reservation(Response):
    reservation_id: str


class ReserveInventory(SagaStepHandler[OrderContext, Reservation]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, Reservation]:
        return self._generate_step_result(Reservation(reservation_id="r"))


class ReserveFromPartner(SagaStepHandler[OrderContext, Reservation]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, Reservation]:
        return self._generate_step_result(Reservation(reservation_id="p"))


class ProcessPayment(SagaStepHandler[OrderContext, None]):
    async def act(self, context: OrderContext) -> SagaStepResult[OrderContext, None]:
        return self._generate_step_result(None)


class OrderSaga(Saga[OrderContext]):
    steps = [Fallback(step=ReserveInventory, fallback=ReserveFromPartner), ProcessPayment]


# What Mermaid accepts on a line of each diagram kind (a conservative subset).
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
SEQUENCE_LINE = re.compile(
    rf"^(sequenceDiagram|participant {_IDENT}( as {_IDENT})?"
    rf"|{_IDENT}-{{1,2}}>>{_IDENT}: [^;#]+|alt [^;#]+|else [^;#]+|opt [^;#]+|end)$"
)
CLASS_LINE = re.compile(
    rf"^(classDiagram|class {_IDENT}|{_IDENT} : [+-]?[^;#\n]+"
    rf"|{_IDENT} (-->|\.\.>) {_IDENT} : [A-Za-z0-9 ]+)$"
)


class TestSequence:
    def test_every_line_is_valid_sequence_diagram_syntax(self) -> None:
        lines = [line.strip() for line in SagaMermaid(OrderSaga()).sequence().splitlines()]
        assert lines[0] == "sequenceDiagram"
        assert [line for line in lines if not SEQUENCE_LINE.match(line)] == []

    def test_blocks_are_balanced(self) -> None:
        lines = [line.strip() for line in SagaMermaid(OrderSaga).sequence().splitlines()]
        opened = sum(1 for line in lines if line.startswith(("alt ", "opt ")))
        assert opened == lines.count("end") == 2

    def test_steps_appear_in_order_and_the_fallback_in_an_alt_block(self) -> None:
        text = SagaMermaid(OrderSaga).sequence()
        acts = [text.index(f"S->>{name}: act") for name in ("ReserveInventory", "ProcessPayment")]
        assert acts == sorted(acts)
        alt = text.index("alt ReserveInventory")
        assert alt < text.index("S->>ReserveFromPartner: act") < text.index("end")

    def test_compensation_runs_in_reverse_order(self) -> None:
        text = SagaMermaid(OrderSaga).sequence()
        assert text.index("S->>ProcessPayment: compensate") < text.index(
            "S->>ReserveInventory: compensate"
        )


class TestClassDiagram:
    def test_every_line_is_valid_class_diagram_syntax(self) -> None:
        lines = [line.strip() for line in SagaMermaid(OrderSaga()).class_diagram().splitlines()]
        assert lines[0] == "classDiagram"
        assert [line for line in lines if not CLASS_LINE.match(line)] == []

    def test_no_note_inside_the_class_diagram(self) -> None:
        assert "Note" not in SagaMermaid(OrderSaga).class_diagram()

    def test_the_fallback_and_the_responses_are_shown(self) -> None:
        text = SagaMermaid(OrderSaga).class_diagram()
        assert "ReserveInventory ..> ReserveFromPartner : fallback" in text
        assert "ReserveInventory ..> Reservation : returns" in text
        assert text.count("class Reservation\n") == 1


class TestTopLevelNames:
    @pytest.mark.parametrize(
        ("name", "module"),
        [
            ("Saga", "cqrs.saga.saga"),
            ("SagaStepHandler", "cqrs.saga.step"),
            ("SagaStepResult", "cqrs.saga.step"),
            ("SagaMediator", "cqrs.saga.mediator"),
            ("SagaMap", "cqrs.saga.map"),
            ("SagaMermaid", "cqrs.saga.mermaid"),
        ],
    )
    def test_the_lazy_name_resolves_to_the_saga_class(self, name: str, module: str) -> None:
        value = getattr(cqrs, name)
        assert value.__module__ == module
        assert value.__name__ == name

    def test_saga_errors_derive_from_cqrs_error(self) -> None:
        from cqrs import saga

        errors = [getattr(saga, n) for n in saga.__all__ if n.endswith(("Error", "Changed"))]
        assert len(errors) == 7
        assert all(issubclass(error, cqrs.CQRSError) for error in errors)
