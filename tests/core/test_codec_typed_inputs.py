"""`from_dict` given values already of their field's type keeps them as they are."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid

import pytest

import cqrs


class Mood(enum.Enum):
    CALM = "calm"


class Typed(cqrs.Response):
    ident: uuid.UUID
    at: dt.datetime
    day: dt.date
    wait: dt.timedelta
    price: decimal.Decimal
    blob: bytes
    mood: Mood


class Nothing(cqrs.Response):
    void: None


VALUES = {
    "ident": uuid.UUID("00000000-0000-0000-0000-000000000001"),
    "at": dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone.utc),
    "day": dt.date(2026, 11, 30),
    "wait": dt.timedelta(seconds=90),
    "price": decimal.Decimal("9.99"),
    "blob": b"\x00\x01",
    "mood": Mood.CALM,
}


class TestTypedInputs:
    def test_instances_are_kept(self) -> None:
        model = Typed.from_dict(**VALUES)
        for name, value in VALUES.items():
            assert getattr(model, name) == value

    def test_a_float_becomes_the_decimal_of_its_shortest_repr(self) -> None:
        model = Typed.from_dict(**{**VALUES, "price": 0.1})
        assert model.price == decimal.Decimal("0.1")

    def test_a_datetime_is_not_taken_for_a_date(self) -> None:
        with pytest.raises(cqrs.DecodeError, match="day"):
            Typed.from_dict(**{**VALUES, "day": dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)})

    def test_bytes_need_base64_text(self) -> None:
        with pytest.raises(cqrs.DecodeError, match="base64"):
            Typed.from_dict(**{**VALUES, "blob": 12})

    def test_a_none_field_takes_only_none(self) -> None:
        assert Nothing.from_dict(void=None).void is None
        with pytest.raises(cqrs.DecodeError, match="null"):
            Nothing.from_dict(void=0)

    def test_a_very_long_reason_is_shortened(self) -> None:
        class Inner(cqrs.Response):
            x: int

            @classmethod
            def from_dict(cls, **data: object) -> Inner:
                raise ValueError("x" * 5000)

        class Outer(cqrs.Response):
            inner: Inner

        with pytest.raises(cqrs.DecodeError) as caught:
            Outer.from_dict(inner={"x": 1})
        assert len(str(caught.value)) < 2000
