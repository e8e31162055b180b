"""Request and Response: keyword-only dataclasses without a decorator, and their wire format."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from typing import Any, cast

import pytest

import cqrs


class Cmd(cqrs.Request):
    x: int


class Result(cqrs.Response):
    ok: bool


@dataclasses.dataclass
class CreateProduct(cqrs.DCRequest):
    """The README's explicit-decorator form."""

    name: str
    price: float
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ProductCreated(cqrs.DCResponse):
    product_id: str
    name: str


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Line(cqrs.Response):
    sku: str
    qty: int


class Order(cqrs.Response):
    order_id: uuid.UUID
    placed_at: datetime.datetime
    color: Color
    lines: list[Line]
    main_line: Line
    note: str | None = None


PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))


def an_order() -> Order:
    return Order(
        order_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        placed_at=datetime.datetime(2024, 5, 17, 10, 30, 15, 123456, tzinfo=PLUS_TWO),
        color=Color.BLUE,
        lines=[Line(sku="a", qty=1), Line(sku="b", qty=2)],
        main_line=Line(sku="a", qty=1),
    )


class TestNoDecorator:
    def test_request_subclass_is_a_dataclass(self) -> None:
        assert [field.name for field in dataclasses.fields(Cmd)] == ["x"]
        assert Cmd(x=1) == Cmd(x=1)
        assert Cmd(x=1) != Cmd(x=2)

    def test_response_subclass_is_a_dataclass(self) -> None:
        assert [field.name for field in dataclasses.fields(Result)] == ["ok"]
        assert Result(ok=True).ok is True

    def test_request_is_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            cast(Any, Cmd)(1)

    def test_response_is_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            cast(Any, Result)(True)


class TestExplicitDecorator:
    def test_decorated_request_still_works(self) -> None:
        command = CreateProduct(name="pen", price=1.5)

        assert command.to_dict() == {"name": "pen", "price": 1.5, "tags": []}

    def test_default_factory_survives_the_decorator(self) -> None:
        first = CreateProduct(name="pen", price=1.5)
        second = CreateProduct(name="ink", price=2.0)

        first.tags.append("blue")

        assert second.tags == []

    def test_decorated_response_round_trips(self) -> None:
        response = ProductCreated(product_id="p1", name="pen")

        assert ProductCreated.from_dict(**response.to_dict()) == response


class TestAliases:
    def test_dc_request_is_request(self) -> None:
        assert cqrs.DCRequest is cqrs.Request

    def test_dc_response_is_response(self) -> None:
        assert cqrs.DCResponse is cqrs.Response


class TestProtocols:
    def test_request_instance_is_an_irequest(self) -> None:
        assert isinstance(Cmd(x=1), cqrs.IRequest)

    def test_response_instance_is_an_iresponse(self) -> None:
        assert isinstance(Result(ok=True), cqrs.IResponse)


class TestRoundTrip:
    def test_to_dict_is_json_compatible(self) -> None:
        data = an_order().to_dict()

        assert json.loads(json.dumps(data)) == data

    def test_from_dict_of_to_dict_is_equal(self) -> None:
        order = an_order()

        assert Order.from_dict(**order.to_dict()) == order

    def test_round_trip_through_json_is_equal(self) -> None:
        order = an_order()

        assert Order.from_dict(**json.loads(json.dumps(order.to_dict()))) == order

    def test_round_trip_restores_field_types(self) -> None:
        restored = Order.from_dict(**an_order().to_dict())

        assert isinstance(restored.order_id, uuid.UUID)
        assert restored.color is Color.BLUE
        assert all(isinstance(line, Line) for line in restored.lines)
        assert isinstance(restored.main_line, Line)

    def test_round_trip_keeps_the_timezone(self) -> None:
        restored = Order.from_dict(**an_order().to_dict())

        assert restored.placed_at.utcoffset() == datetime.timedelta(hours=2)
        assert restored.placed_at == an_order().placed_at

    def test_to_dict_has_snake_case_keys_for_every_field(self) -> None:
        assert set(an_order().to_dict()) == {
            "order_id",
            "placed_at",
            "color",
            "lines",
            "main_line",
            "note",
        }
