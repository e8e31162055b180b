"""Both flavours' `from_dict` accept and refuse the same wire values."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

import cqrs
import cqrs.pydantic


class DCLine(cqrs.Response):
    qty: int


class DCValues(cqrs.Request):
    count: int
    ratio: float
    text: str
    flag: bool
    id: uuid.UUID
    span: dt.timedelta
    lines: list[DCLine]


class PDLine(cqrs.pydantic.Response):
    qty: int


class PDValues(cqrs.pydantic.Request):
    count: int
    ratio: float
    text: str
    flag: bool
    id: uuid.UUID
    span: dt.timedelta
    lines: list[PDLine]


GOOD: dict[str, Any] = {
    "count": 1,
    "ratio": 2,
    "text": "t",
    "flag": False,
    "id": "00000000-0000-0000-0000-000000000001",
    "span": 1.5,
    "lines": [{"qty": 1}],
}

BAD = [
    ("count", "12"),
    ("count", True),
    ("count", 1.5),
    ("ratio", "1.5"),
    ("ratio", True),
    ("text", 123),
    ("flag", 1),
    ("flag", "true"),
    ("id", 5),
    ("span", "soon"),
    ("lines", [{"qty": "1"}]),
    ("lines", [None]),
    ("text", None),
]


class TestAgreement:
    def test_both_flavours_decode_the_same_values(self) -> None:
        dc, pd = DCValues.from_dict(**GOOD), PDValues.from_dict(**GOOD)
        assert dc.to_dict() == pd.to_dict()

    @pytest.mark.parametrize("flavour", [DCValues, PDValues], ids=["dataclass", "pydantic"])
    @pytest.mark.parametrize(("field", "bad"), BAD, ids=[f"{f}={b!r}" for f, b in BAD])
    def test_both_flavours_refuse_the_same_values(
        self, flavour: type[DCValues] | type[PDValues], field: str, bad: Any
    ) -> None:
        with pytest.raises(cqrs.DecodeError, match=field):
            flavour.from_dict(**{**GOOD, field: bad})

    @pytest.mark.parametrize("flavour", [DCValues, PDValues], ids=["dataclass", "pydantic"])
    def test_both_flavours_write_the_path_alike(
        self, flavour: type[DCValues] | type[PDValues]
    ) -> None:
        lines = [{"qty": 1}, {"qty": 2}, {"qty": "3"}]
        with pytest.raises(cqrs.DecodeError, match=r"lines\[2\]\.qty"):
            flavour.from_dict(**{**GOOD, "lines": lines})

    def test_pydantic_float_field_holds_a_float(self) -> None:
        assert type(PDValues.from_dict(**GOOD).ratio) is float


class PDNode(cqrs.pydantic.Response):
    child: PDNode | None = None


class TestPydanticFromDict:
    def test_nesting_deeper_than_pydantic_parses_is_a_decode_error(self) -> None:
        depth = 500  # within json.loads's reach on every supported Python, beyond pydantic's
        data = json.loads('{"child":' * depth + "null" + "}" * depth)
        with pytest.raises(cqrs.DecodeError, match=r"(recursion|serialization depth) limit"):
            PDNode.from_dict(**data)

    def test_fields_named_cls_and_self_round_trip(self) -> None:
        class Awkward(cqrs.pydantic.Request):
            cls: str
            self: int

        original = Awkward(cls="c", self=1)
        assert Awkward.from_dict(**original.to_dict()) == original

    def test_already_typed_nested_models_are_accepted(self) -> None:
        values = PDValues.from_dict(**{**GOOD, "lines": [PDLine(qty=4)]})
        assert values.lines == [PDLine(qty=4)]

    def test_a_value_with_no_wire_form_is_a_decode_error(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"PDValues\.from_dict"):
            PDValues.from_dict(**{**GOOD, "text": object()})
