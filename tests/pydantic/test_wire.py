"""One wire format for both flavours: identical JSON, and each reads the other's output."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
from typing import Any

import pydantic
import pytest

import cqrs
import cqrs.pydantic
from cqrs import _codec

EVENT_ID = uuid.UUID("8a1b5e0c-3a5d-4b8e-9f00-0000000000aa")
ORDER_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
STAMP = dt.datetime(2026, 5, 17, 9, 30, 15, 250000, tzinfo=dt.timezone.utc)
LINE_AT = dt.datetime(2026, 5, 17, 9, 31, tzinfo=dt.timezone.utc)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


# The same payload in three flavours: dataclass, cqrs.pydantic and plain pydantic.


class DCLine(cqrs.Response):
    sku: str
    at: dt.datetime


class DCPayload(cqrs.Response):
    order_id: uuid.UUID
    placed_at: dt.datetime
    color: Color
    tags: list[str]
    lines: list[DCLine]


class PDLine(cqrs.pydantic.Response):
    sku: str
    at: dt.datetime


class PDPayload(cqrs.pydantic.Response):
    order_id: uuid.UUID
    placed_at: dt.datetime
    color: Color
    tags: list[str]
    lines: list[PDLine]


class PlainLine(pydantic.BaseModel):
    sku: str
    at: dt.datetime


class PlainPayload(pydantic.BaseModel):
    order_id: uuid.UUID
    placed_at: dt.datetime
    color: Color
    tags: list[str]
    lines: list[PlainLine]


PAYLOADS: dict[type, type] = {DCPayload: DCLine, PDPayload: PDLine, PlainPayload: PlainLine}
EVENTS: list[Any] = [cqrs.NotificationEvent, cqrs.pydantic.NotificationEvent]

EXPECTED = (
    '{"event_id": "8a1b5e0c-3a5d-4b8e-9f00-0000000000aa", '
    '"event_timestamp": "2026-05-17T09:30:15.250000+00:00", '
    '"event_name": "OrderPlaced", "topic": "orders", '
    '"payload": {"order_id": "00000000-0000-0000-0000-000000000001", '
    '"placed_at": "2026-05-17T09:30:15.250000+00:00", "color": "blue", '
    '"tags": ["a", "b"], "lines": [{"sku": "s-1", "at": "2026-05-17T09:31:00+00:00"}]}}'
)


def payload(kind: type) -> Any:
    line = PAYLOADS[kind](sku="s-1", at=LINE_AT)
    return kind(order_id=ORDER_ID, placed_at=STAMP, color=Color.BLUE, tags=["a", "b"], lines=[line])


def event(flavour: Any, kind: type) -> Any:
    return flavour[kind](
        event_id=EVENT_ID,
        event_timestamp=STAMP,
        event_name="OrderPlaced",
        topic="orders",
        payload=payload(kind),
    )


class TestIdenticalJson:
    @pytest.mark.parametrize("kind", list(PAYLOADS), ids=lambda k: k.__name__)
    @pytest.mark.parametrize("flavour", EVENTS, ids=["dataclass", "pydantic"])
    def test_every_flavour_and_payload_kind_gives_the_same_string(
        self, flavour: Any, kind: type
    ) -> None:
        assert json.dumps(event(flavour, kind).to_dict()) == EXPECTED

    def test_notification_fields_come_in_the_dataclass_order(self) -> None:
        order = list(event(cqrs.pydantic.NotificationEvent, PDPayload).to_dict())
        assert order == [f.name for f in cqrs.NotificationEvent.__dataclass_fields__.values()]

    def test_non_utc_offset_is_kept_as_isoformat_writes_it(self) -> None:
        tz = dt.timezone(dt.timedelta(hours=2))
        line = PDLine(sku="s", at=dt.datetime(2026, 1, 1, 12, tzinfo=tz))
        assert line.to_dict()["at"] == "2026-01-01T12:00:00+02:00"

    def test_naive_datetime_stays_naive(self) -> None:
        line = PDLine(sku="s", at=dt.datetime(2026, 1, 1, 12))
        assert line.to_dict()["at"] == "2026-01-01T12:00:00"


class DCScalars(cqrs.Response):
    money: decimal.Decimal
    span: dt.timedelta
    day: dt.date
    at: dt.time
    data: bytes
    tags: frozenset[str]
    pair: tuple[int, str]
    by_id: dict[uuid.UUID, int]
    maybe: int | None = None


class PDScalars(cqrs.pydantic.Response):
    money: decimal.Decimal
    span: dt.timedelta
    day: dt.date
    at: dt.time
    data: bytes
    tags: frozenset[str]
    pair: tuple[int, str]
    by_id: dict[uuid.UUID, int]
    maybe: int | None = None


SCALARS: dict[str, Any] = {
    "money": decimal.Decimal("10.50"),
    "span": dt.timedelta(minutes=1, seconds=30),
    "day": dt.date(2026, 2, 3),
    "at": dt.time(4, 5, 6),
    "data": b"\x00\xfe\xff",
    "tags": frozenset({"x"}),
    "pair": (7, "seven"),
    "by_id": {ORDER_ID: 3},
}


class TestOtherTypes:
    def test_same_json_as_the_dataclass(self) -> None:
        expected = (
            '{"money": "10.50", "span": 90.0, "day": "2026-02-03", "at": "04:05:06", '
            '"data": "AP7/", "tags": ["x"], "pair": [7, "seven"], '
            '"by_id": {"00000000-0000-0000-0000-000000000001": 3}, "maybe": null}'
        )
        assert json.dumps(DCScalars(**SCALARS).to_dict()) == expected
        assert json.dumps(PDScalars(**SCALARS).to_dict()) == expected

    def test_pydantic_reads_the_dataclass_output(self) -> None:
        assert PDScalars.from_dict(**DCScalars(**SCALARS).to_dict()) == PDScalars(**SCALARS)

    def test_dataclass_reads_the_pydantic_output(self) -> None:
        assert DCScalars.from_dict(**PDScalars(**SCALARS).to_dict()) == DCScalars(**SCALARS)

    def test_bytes_are_decoded_from_base64_not_taken_as_text(self) -> None:
        assert PDScalars.from_dict(**PDScalars(**SCALARS).to_dict()).data == b"\x00\xfe\xff"

    def test_already_typed_values_are_accepted(self) -> None:
        assert PDScalars.from_dict(**SCALARS) == PDScalars(**SCALARS)

    def test_pydantic_json_writes_bytes_as_base64_too(self) -> None:
        model = PDScalars(**SCALARS)
        assert PDScalars.model_validate_json(model.model_dump_json()).data == model.data


class TestCrossReading:
    @pytest.mark.parametrize("kind", list(PAYLOADS), ids=lambda k: k.__name__)
    def test_pydantic_event_reads_the_dataclass_output(self, kind: type) -> None:
        wire = event(cqrs.NotificationEvent, DCPayload).to_dict()
        decoded = cqrs.pydantic.NotificationEvent[kind].from_dict(**wire)  # type: ignore[valid-type]
        assert decoded == event(cqrs.pydantic.NotificationEvent, kind)
        assert type(decoded.payload) is kind

    @pytest.mark.parametrize("kind", list(PAYLOADS), ids=lambda k: k.__name__)
    def test_dataclass_event_reads_the_pydantic_output(self, kind: type) -> None:
        wire = event(cqrs.pydantic.NotificationEvent, PDPayload).to_dict()
        decoded = cqrs.NotificationEvent[kind].from_dict(**wire)  # type: ignore[valid-type]
        assert decoded == event(cqrs.NotificationEvent, kind)
        assert type(decoded.payload) is kind

    def test_nested_timestamps_are_aware_after_the_round_trip(self) -> None:
        wire = event(cqrs.NotificationEvent, DCPayload).to_dict()
        decoded = cqrs.pydantic.NotificationEvent[PDPayload].from_dict(**wire)
        assert decoded.payload.lines[0].at.utcoffset() == dt.timedelta(0)


class Link(pydantic.BaseModel):
    url: pydantic.HttpUrl
    token: pydantic.SecretStr
    span: dt.timedelta
    mirrors: dict[str, list[pydantic.HttpUrl]]


class TestCoreCodecPydanticBranch:
    """`cqrs._codec` encodes a plain pydantic model inside a dataclass like the dataclasses."""

    def test_datetime_keeps_the_offset_rather_than_z(self) -> None:
        line = PlainLine(sku="s", at=LINE_AT)
        assert _codec.encode_pydantic(line) == {"sku": "s", "at": "2026-05-17T09:31:00+00:00"}

    def test_inside_a_dataclass_event_it_matches_the_dataclass_payload(self) -> None:
        plain = event(cqrs.NotificationEvent, PlainPayload).to_dict()
        assert plain == event(cqrs.NotificationEvent, DCPayload).to_dict()

    def test_types_the_codec_does_not_know_take_pydantic_json_form(self) -> None:
        link = Link(
            url=pydantic.HttpUrl("https://example.com/a"),
            token=pydantic.SecretStr("s3cret"),
            span=dt.timedelta(seconds=2),
            mirrors={"eu": [pydantic.HttpUrl("https://eu.example.com/a")]},
        )
        assert _codec.encode_pydantic(link) == {
            "url": "https://example.com/a",
            "token": "**********",
            "span": 2.0,
            "mirrors": {"eu": ["https://eu.example.com/a"]},
        }
