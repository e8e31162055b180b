"""`to_dict()` through pydantic's native JSON dump gives exactly the codec's wire format.

The reference is `cqrs._codec.encode_pydantic` (the python-mode dump walked by the core's
codec), which `to_dict()` used for every model before the native path existed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any, Literal

import pydantic
import pytest

import cqrs.pydantic
from cqrs import _codec

UTC = dt.timezone.utc
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
AT = dt.datetime(2026, 5, 17, 9, 30, 15, 250000, tzinfo=UTC)


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


class Line(cqrs.pydantic.Response):
    sku: str
    at: dt.datetime


class Stamps(cqrs.pydantic.Response):
    utc: dt.datetime
    offset: dt.datetime
    naive: dt.datetime
    whole_second: dt.datetime
    clock: dt.time
    maybe: dt.datetime | None
    never: dt.datetime | None = None


class Containers(cqrs.pydantic.Response):
    lines: list[Line]
    by_id: dict[uuid.UUID, Line]
    by_name: dict[str, dt.datetime]
    pair: tuple[str, dt.datetime]
    many: tuple[dt.datetime, ...]
    tags: frozenset[str]


class Scalars(cqrs.pydantic.Response):
    order_id: uuid.UUID
    money: decimal.Decimal
    day: dt.date
    size: Size
    kind: Literal["a", "b"]
    ratio: float
    count: int
    flag: bool
    either: int | str


class Validated(cqrs.pydantic.Response):
    at: dt.datetime
    hidden: dt.datetime = pydantic.Field(default=AT, exclude=True)

    @pydantic.field_validator("at")
    @classmethod
    def keep(cls, value: dt.datetime) -> dt.datetime:
        return value


class Plain(pydantic.BaseModel):
    at: dt.datetime


class HoldsPlain(cqrs.pydantic.Response):
    plain: Plain


class Temporal(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(ser_json_temporal="seconds")
    at: dt.datetime


class HoldsTemporal(cqrs.pydantic.Response):
    inner: Temporal


class Tree(cqrs.pydantic.Response):
    at: dt.datetime
    children: list[Tree] = []


class Open(cqrs.pydantic.Response):
    model_config = pydantic.ConfigDict(extra="allow")
    at: dt.datetime


class Computed(cqrs.pydantic.Response):
    at: dt.datetime

    @pydantic.computed_field  # type: ignore[prop-decorator]
    @property
    def later(self) -> dt.datetime:
        return self.at + dt.timedelta(hours=1)


class Custom(cqrs.pydantic.Response):
    at: dt.datetime

    @pydantic.field_serializer("at")
    def as_day(self, value: dt.datetime) -> str:
        return value.date().isoformat()


class Data(cqrs.pydantic.Response):
    data: bytes


class Span(cqrs.pydantic.Response):
    span: dt.timedelta


class ByNumber(cqrs.pydantic.Response):
    by_number: dict[int, dt.datetime]


class Anything(cqrs.pydantic.Response):
    anything: Any


class StampOrText(cqrs.pydantic.Response):
    stamp_or_text: dt.datetime | str


class Bare(cqrs.pydantic.Response):
    items: list  # type: ignore[type-arg]
    pairs: tuple  # type: ignore[type-arg]
    table: dict  # type: ignore[type-arg]


class Point(enum.Enum):
    ORIGIN = (0, 0)


class Points(cqrs.pydantic.Response):
    point: Point


class AtOrigin(cqrs.pydantic.Response):
    origin: Literal[Point.ORIGIN]


class Empty(cqrs.pydantic.Response):
    nothing: tuple[()]


class OwnDump(cqrs.pydantic.Response):
    at: dt.datetime

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return {"at": "its own"}


class Tuples(cqrs.pydantic.Response):
    fixed: tuple[int, str]
    numbers: tuple[int, ...]


class OnlyHidden(cqrs.pydantic.Response):
    shown: str
    hidden: dt.datetime = pydantic.Field(default=AT, exclude=True)


MODELS: list[Any] = [
    Stamps(
        utc=AT,
        offset=AT.astimezone(PLUS_TWO),
        naive=AT.replace(tzinfo=None),
        whole_second=AT.replace(microsecond=0),
        clock=dt.time(4, 5, 6, tzinfo=UTC),
        maybe=None,
    ),
    Containers(
        lines=[Line(sku="a", at=AT), Line(sku="b", at=AT.astimezone(PLUS_TWO))],
        by_id={uuid.UUID(int=1): Line(sku="c", at=AT)},
        by_name={"x": AT},
        pair=("p", AT),
        many=(AT, AT.replace(tzinfo=None)),
        tags=frozenset({"t"}),
    ),
    Scalars(
        order_id=uuid.UUID(int=2),
        money=decimal.Decimal("10.50"),
        day=dt.date(2026, 2, 3),
        size=Size.LARGE,
        kind="b",
        ratio=0.5,
        count=3,
        flag=True,
        either="x",
    ),
    Validated(at=AT),
    HoldsPlain(plain=Plain(at=AT)),
    HoldsTemporal(inner=Temporal(at=AT)),
    Tree(at=AT, children=[Tree(at=AT)]),
    Open.model_validate({"at": AT, "extra_stamp": AT}),
    Computed(at=AT),
    Custom(at=AT),
    Data(data=b"\x00\xfe\xff"),
    Span(span=dt.timedelta(seconds=90)),
    ByNumber(by_number={1: AT}),
    Anything(anything={"at": AT}),
    StampOrText(stamp_or_text="2026Z"),
    Bare(items=[AT], pairs=(AT,), table={"at": AT}),
    Points(point=Point.ORIGIN),
    AtOrigin(origin=Point.ORIGIN),
    Empty(nothing=()),
    Tuples(fixed=(1, "one"), numbers=(1, 2)),
    OnlyHidden(shown="yes"),
    cqrs.pydantic.NotificationEvent[Line](
        event_name="LineAdded", topic="lines", payload=Line(sku="n", at=AT)
    ),
    cqrs.pydantic.DomainEvent(),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: type(model).__name__)
def test_to_dict_is_the_codec_wire_format(model: Any) -> None:
    assert model.to_dict() == _codec.encode_pydantic(model)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: type(model).__name__)
def test_to_dict_twice_gives_the_same_dict(model: Any) -> None:
    assert model.to_dict() == model.to_dict()


def test_an_overridden_model_dump_is_used() -> None:
    assert OwnDump(at=AT).to_dict() == {"at": "its own"}


def test_utc_datetimes_keep_the_isoformat_offset() -> None:
    data = Line(sku="a", at=AT).to_dict()

    assert data == {"sku": "a", "at": "2026-05-17T09:30:15.250000+00:00"}


def test_the_round_trip_through_from_dict_is_exact() -> None:
    model = MODELS[1]

    assert Containers.from_dict(**model.to_dict()) == model
