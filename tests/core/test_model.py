"""Tests of `DataModel` (auto-dataclass, generics) and the dict codec behind it."""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime as dt
import decimal
import enum
import json
import typing
import uuid
from typing import Annotated, Any, Generic, Literal, NewType, Optional, Protocol, TypeVar, Union

import pytest

from cqrs._codec import decoder_for, encoder_for, passthrough
from cqrs._model import DataModel
from cqrs._typing import dataclass_transform
from cqrs.exceptions import DecodeError

T = TypeVar("T")
T2 = TypeVar("T2")
ResT_co = TypeVar("ResT_co", covariant=True)
UserId = NewType("UserId", uuid.UUID)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Item(DataModel):
    name: str
    id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)


class Cmd(DataModel):
    x: int


class Event(DataModel, frozen=True):
    name: str


# Type checkers cannot see that frozenness is inherited at run time, hence the ignore;
# `FrozenBase` below shows the checker-friendly way to declare a frozen base.
class Renamed(Event):  # type: ignore[misc]
    new_name: str


class Page(DataModel, Generic[T]):
    items: list[T]
    total: int = 0


class ItemPage(Page[Item]):
    pass


class Page2(Page[T2], Generic[T2]):
    cursor: str | None = None


class Labelled(DataModel, Generic[T]):
    """Generic, but no field uses the parameter."""

    label: str


class Notification(DataModel, Generic[T], frozen=True):
    topic: str
    payload: T = None  # type: ignore[assignment]


class Wrapper(DataModel, Generic[T]):
    pages: list[Page[T]]
    first: Page[T] | None = None


@typing.runtime_checkable
class IRequest(Protocol[ResT_co]):
    def to_dict(self) -> dict[str, Any]: ...


class Request(DataModel, IRequest[ResT_co], base=True):
    pass


class Result(DataModel):
    value: int


class Query(Request[Result]):
    key: str


@dataclass_transform(
    kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field,)
)
class FrozenBase(DataModel, base=True, frozen=True):
    pass


class Sealed(FrozenBase):
    x: int


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Custom:
    """A hand-written request-like class with `to_dict` / `from_dict`."""

    def __init__(self, code: str) -> None:
        self.code = code

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code}

    @classmethod
    def from_dict(cls, **kwargs: Any) -> Custom:
        return cls(kwargs["code"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Custom) and other.code == self.code

    __hash__ = None  # type: ignore[assignment]


class PydanticLike:
    """Duck-typed like a pydantic model; pydantic itself is never imported."""

    def __init__(self, score: float) -> None:
        self.score = score

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        return {"score": self.score}

    @classmethod
    def model_validate(cls, data: dict[str, Any]) -> PydanticLike:
        return cls(data["score"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PydanticLike) and other.score == self.score

    __hash__ = None  # type: ignore[assignment]


class Scalars(DataModel):
    flag: bool
    count: int
    ratio: float
    text: str
    nothing: None = None


class Times(DataModel):
    when: dt.datetime
    day: dt.date
    at: dt.time
    span: dt.timedelta


class Values(DataModel):
    id: uuid.UUID
    money: decimal.Decimal
    blob: bytes
    color: Color
    level: Level


class Containers(DataModel):
    numbers: list[int]
    rest: tuple[int, ...]
    pair: tuple[int, str]
    tags: set[str]
    frozen_tags: frozenset[str]
    seq: collections.abc.Sequence[uuid.UUID]
    mapping: collections.abc.Mapping[str, dt.date]


class Keyed(DataModel):
    by_color: dict[Color, int]
    by_id: dict[uuid.UUID, Item]
    by_number: dict[int, str]
    by_level: dict[Level, str]


class Nested(DataModel):
    item: Item
    items: list[Item]
    maybe: Item | None = None


class Unions(DataModel):
    number_or_id: Union[int, uuid.UUID]  # noqa: UP007
    text_or_number: str | int
    optional_id: Optional[uuid.UUID] = None  # noqa: UP045


class Special(DataModel):
    mode: Literal["fast", "slow"]
    user: UserId
    note: Annotated[dt.date, "a comment"]
    anything: Any = None


class Foreign(DataModel):
    point: Point
    custom: Custom
    pydantic: PydanticLike


class Derived(DataModel):
    x: int
    double: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.double = self.x * 2


class Broken(DataModel):
    callback: typing.Callable[[], None]


def utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)


def wire(obj: DataModel) -> dict[str, Any]:
    """The object's dict after a trip through JSON text."""
    result: dict[str, Any] = json.loads(json.dumps(obj.to_dict()))
    return result


SAMPLES: list[DataModel] = [
    Scalars(flag=True, count=3, ratio=0.5, text="hi"),
    Times(
        when=dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        day=dt.date(2024, 5, 6),
        at=dt.time(7, 8, 9),
        span=dt.timedelta(days=1, seconds=2, microseconds=3),
    ),
    Values(
        id=uuid.uuid4(),
        money=decimal.Decimal("12.30"),
        blob=b"\x00\xffdata",
        color=Color.BLUE,
        level=Level.HIGH,
    ),
    Containers(
        numbers=[1, 2],
        rest=(3, 4, 5),
        pair=(1, "one"),
        tags={"a", "b"},
        frozen_tags=frozenset({"c"}),
        seq=[uuid.uuid4()],
        mapping={"start": dt.date(2024, 1, 1)},
    ),
    Keyed(
        by_color={Color.RED: 1},
        by_id={uuid.uuid4(): Item(name="keyed")},
        by_number={1: "one", 2: "two"},
        by_level={Level.LOW: "low"},
    ),
    Nested(item=Item(name="a"), items=[Item(name="b"), Item(name="c")], maybe=Item(name="d")),
    Nested(item=Item(name="a"), items=[]),
    Unions(number_or_id=uuid.uuid4(), text_or_number=5, optional_id=uuid.uuid4()),
    Unions(number_or_id=7, text_or_number="5"),
    Special(mode="slow", user=UserId(uuid.uuid4()), note=dt.date(2020, 2, 29), anything=[1, "x"]),
    Foreign(point=Point(1, 2), custom=Custom("c-1"), pydantic=PydanticLike(0.25)),
    Renamed(name="old", new_name="new"),
    Page[Item](items=[Item(name="paged")], total=1),
    ItemPage(items=[Item(name="sub")]),
    Page2[Item](items=[Item(name="via T2")], cursor="next"),
    Wrapper[Item](pages=[Page[Item](items=[Item(name="w")])], first=Page[Item](items=[])),
    Notification[Item](topic="items", payload=Item(name="payload")),
]


class TestAutoDataclass:
    def test_subclass_becomes_a_dataclass_without_decorator(self) -> None:
        assert dataclasses.is_dataclass(Cmd)

    def test_data_model_itself_has_no_fields(self) -> None:
        assert not dataclasses.is_dataclass(DataModel)

    def test_fields_are_set_by_keyword(self) -> None:
        assert Cmd(x=1).x == 1

    def test_positional_arguments_are_refused(self) -> None:
        with pytest.raises(TypeError):
            Cmd(1)  # type: ignore[call-arg]

    def test_required_field_may_follow_a_default(self) -> None:
        assert Notification[int](topic="t").payload is None

    def test_instances_compare_by_value(self) -> None:
        assert Cmd(x=1) == Cmd(x=1)

    def test_instances_are_mutable_by_default(self) -> None:
        cmd = Cmd(x=1)
        cmd.x = 2
        assert cmd.x == 2


class TestFrozen:
    def test_frozen_keyword_makes_instances_immutable(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            Event(name="e").name = "other"  # type: ignore[misc]

    def test_subclass_of_frozen_class_is_frozen(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            Renamed(name="e", new_name="f").new_name = "g"

    def test_frozen_instances_are_hashable(self) -> None:
        assert hash(Event(name="e")) == hash(Event(name="e"))

    def test_frozen_base_keyword_reaches_subclasses(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            Sealed(x=1).x = 2  # type: ignore[misc]


class TestBaseKeyword:
    def test_base_class_is_not_a_dataclass(self) -> None:
        assert not dataclasses.is_dataclass(Request)

    def test_subclass_of_base_is_a_dataclass(self) -> None:
        assert dataclasses.is_dataclass(Query)


class TestExplicitDecorator:
    def test_decorator_on_top_still_builds_the_class(self) -> None:
        @dataclasses.dataclass
        class Decorated(DataModel):
            x: int

        assert Decorated(x=1).to_dict() == {"x": 1}

    def test_default_factory_survives_the_second_pass(self) -> None:
        @dataclasses.dataclass
        class Decorated(DataModel):
            items: list[int] = dataclasses.field(default_factory=list)

        assert Decorated().items == []

    def test_default_factory_stays_in_the_field_metadata(self) -> None:
        @dataclasses.dataclass
        class Decorated(DataModel):
            items: list[int] = dataclasses.field(default_factory=list)

        (field,) = dataclasses.fields(Decorated)
        assert field.default_factory is list

    def test_frozen_decorator_on_a_direct_subclass(self) -> None:
        @dataclasses.dataclass(frozen=True)
        class Decorated(DataModel):
            items: tuple[int, ...] = dataclasses.field(default_factory=tuple)

        with pytest.raises(dataclasses.FrozenInstanceError):
            Decorated().items = (1,)  # type: ignore[misc]


class TestProtocolGeneric:
    def test_parametrising_without_typed_fields_is_a_plain_alias(self) -> None:
        assert typing.get_origin(Request[Result]) is Request

    def test_subclass_of_parametrised_request_round_trips(self) -> None:
        query = Query(key="k")
        assert Query.from_dict(**query.to_dict()) == query

    def test_instances_satisfy_the_protocol(self) -> None:
        assert isinstance(Query(key="k"), IRequest)

    def test_generic_without_typed_fields_is_not_specialised(self) -> None:
        assert typing.get_origin(Labelled[int]) is Labelled


class TestGenericSpecialisation:
    def test_specialised_class_is_cached(self) -> None:
        assert Page[Item] is Page[Item]

    def test_specialised_class_is_a_real_subclass(self) -> None:
        assert isinstance(Page[Item], type)
        assert issubclass(Page[Item], Page)

    def test_instances_are_instances_of_the_generic_class(self) -> None:
        assert isinstance(Page[Item](items=[]), Page)

    def test_name_qualname_and_module(self) -> None:
        specialised = Page[Item]
        assert (specialised.__name__, specialised.__qualname__) == ("Page[Item]", "Page[Item]")
        assert specialised.__module__ == Page.__module__

    def test_orig_bases_record_the_arguments(self) -> None:
        assert typing.get_args(Page[Item].__orig_bases__[0]) == (Item,)  # type: ignore[attr-defined]

    def test_type_variable_arguments_give_a_typing_alias(self) -> None:
        assert typing.get_origin(typing.cast(Any, Page)[T2]) is Page

    def test_from_dict_rebuilds_items_as_the_argument(self) -> None:
        page = Page[Item](items=[Item(name="a")])
        assert Page[Item].from_dict(**wire(page)).items == [page.items[0]]

    def test_unspecialised_generic_keeps_items_as_decoded(self) -> None:
        assert Page.from_dict(items=[{"name": "a"}]).items == [{"name": "a"}]

    def test_subclass_of_a_parametrised_generic(self) -> None:
        page = ItemPage(items=[Item(name="a")])
        assert isinstance(ItemPage.from_dict(**wire(page)).items[0], Item)

    def test_parameters_resolve_through_an_intermediate_type_variable(self) -> None:
        page = Page2[Item](items=[Item(name="a")])
        assert isinstance(Page2[Item].from_dict(**wire(page)).items[0], Item)

    def test_specialised_class_is_usable_as_a_routing_key(self) -> None:
        routes = {Notification[Item]: "items", Notification[Result]: "results"}
        assert routes[Notification[Item]] == "items"

    def test_specialised_payload_is_rebuilt(self) -> None:
        event = Notification[Result](topic="t", payload=Result(value=1))
        assert Notification[Result].from_dict(**wire(event)).payload == Result(value=1)

    def test_frozen_generic_stays_frozen_when_specialised(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            Notification[Item](topic="t").topic = "u"  # type: ignore[misc]

    def test_nested_generic_inside_a_container_is_specialised(self) -> None:
        wrapper = Wrapper[Item](pages=[Page[Item](items=[Item(name="a")])])
        rebuilt = Wrapper[Item].from_dict(**wire(wrapper))
        assert type(rebuilt.pages[0]) is Page[Item]


class TestWireFormat:
    def test_json_dumps_accepts_every_sample(self) -> None:
        for sample in SAMPLES:
            json.dumps(sample.to_dict())

    def test_keys_are_field_names_and_none_is_included(self) -> None:
        assert Nested(item=Item(name="a"), items=[]).to_dict().keys() == {"item", "items", "maybe"}

    def test_uuid_is_a_dashed_string(self) -> None:
        item = Item(name="a")
        assert item.to_dict()["id"] == str(item.id)

    def test_datetime_is_iso_8601_with_its_timezone(self) -> None:
        when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
        times = Times(when=when, day=when.date(), at=when.time(), span=dt.timedelta(0))
        assert times.to_dict()["when"] == "2024-01-02T03:04:05-05:00"

    def test_timezone_survives_the_round_trip(self) -> None:
        when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=9)))
        times = Times(when=when, day=when.date(), at=when.time(), span=dt.timedelta(0))
        assert Times.from_dict(**wire(times)).when.utcoffset() == dt.timedelta(hours=9)

    def test_scalar_forms(self) -> None:
        values = Values(
            id=uuid.UUID(int=1),
            money=decimal.Decimal("1.50"),
            blob=b"hi",
            color=Color.RED,
            level=Level.LOW,
        )
        assert values.to_dict() == {
            "id": "00000000-0000-0000-0000-000000000001",
            "money": "1.50",
            "blob": "aGk=",
            "color": "red",
            "level": 1,
        }

    def test_timedelta_is_seconds(self) -> None:
        times = Times(when=utc(2024, 1, 1), day=dt.date.min, at=dt.time(), span=dt.timedelta(1))
        assert times.to_dict()["span"] == 86400.0

    def test_containers_become_lists(self) -> None:
        data = SAMPLES[3].to_dict()
        assert (data["rest"], data["pair"], data["frozen_tags"]) == ([3, 4, 5], [1, "one"], ["c"])

    def test_dict_keys_are_encoded(self) -> None:
        key = uuid.UUID(int=2)
        keyed = Keyed(
            by_color={Color.RED: 1}, by_id={key: Item(name="a")}, by_number={}, by_level={}
        )
        data = keyed.to_dict()
        assert (list(data["by_color"]), list(data["by_id"])) == (["red"], [str(key)])

    def test_any_field_is_encoded_by_runtime_type(self) -> None:
        special = Special(mode="fast", user=UserId(uuid.UUID(int=3)), note=dt.date(2024, 1, 1))
        special.anything = {"when": utc(2024, 1, 1), "item": Item(name="x", id=uuid.UUID(int=4))}
        assert special.to_dict()["anything"] == {
            "when": "2024-01-01T00:00:00+00:00",
            "item": {"name": "x", "id": "00000000-0000-0000-0000-000000000004"},
        }

    def test_to_dict_does_not_share_lists_with_the_object(self) -> None:
        page = Page[int](items=[1])
        page.to_dict()["items"].append(2)
        assert page.items == [1]

    def test_init_false_fields_are_encoded(self) -> None:
        assert Derived(x=2).to_dict() == {"x": 2, "double": 4}


class TestRoundTrip:
    @pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__qualname__)
    def test_from_dict_of_to_dict_is_equal(self, sample: DataModel) -> None:
        assert type(sample).from_dict(**sample.to_dict()) == sample

    @pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__qualname__)
    def test_round_trip_through_json_text_is_equal(self, sample: DataModel) -> None:
        assert type(sample).from_dict(**wire(sample)) == sample

    def test_decoded_containers_have_the_declared_types(self) -> None:
        rebuilt = Containers.from_dict(**wire(SAMPLES[3]))
        kinds = (
            type(rebuilt.rest),
            type(rebuilt.tags),
            type(rebuilt.frozen_tags),
            type(rebuilt.seq),
        )
        assert kinds == (tuple, set, frozenset, list)

    def test_values_of_the_target_type_are_accepted(self) -> None:
        key = uuid.uuid4()
        assert Item.from_dict(name="a", id=key).id is key

    def test_nested_model_instances_are_accepted(self) -> None:
        item = Item(name="a")
        assert Nested.from_dict(item=item, items=[item]).item is item

    def test_float_field_accepts_an_int(self) -> None:
        assert Scalars.from_dict(flag=False, count=1, ratio=2, text="").ratio == 2

    def test_trailing_z_means_utc(self) -> None:
        times = Times.from_dict(when="2024-01-01T00:00:00Z", day="2024-01-01", at="00:00", span=0)
        assert times.when == utc(2024, 1, 1)

    def test_init_false_fields_are_recomputed(self) -> None:
        assert Derived.from_dict(x=3, double=0) == Derived(x=3)

    def test_local_classes_resolve_local_names(self) -> None:
        class LocalItem(DataModel):
            n: int

        class LocalBox(DataModel):
            item: LocalItem

        box = LocalBox(item=LocalItem(n=1))
        assert LocalBox.from_dict(**wire(box)) == box


class TestUnions:
    def test_uuid_string_picks_the_uuid_member(self) -> None:
        key = uuid.uuid4()
        assert Unions.from_dict(number_or_id=str(key), text_or_number=1).number_or_id == key

    def test_int_picks_the_int_member(self) -> None:
        assert Unions.from_dict(number_or_id=5, text_or_number=1).number_or_id == 5

    def test_exact_type_is_preferred(self) -> None:
        assert Unions.from_dict(number_or_id=1, text_or_number="5").text_or_number == "5"

    def test_none_decodes_to_none(self) -> None:
        unions = Unions.from_dict(number_or_id=1, text_or_number=1, optional_id=None)
        assert unions.optional_id is None

    def test_value_matching_no_member_is_refused(self) -> None:
        with pytest.raises(DecodeError, match="number_or_id"):
            Unions.from_dict(number_or_id="not-a-uuid", text_or_number=1)


class TestDecodeErrors:
    def test_missing_field_names_class_and_field(self) -> None:
        with pytest.raises(
            DecodeError, match=r"Item\.from_dict\(\): missing required field 'name'"
        ):
            Item.from_dict()

    def test_bad_uuid_names_class_field_and_value(self) -> None:
        with pytest.raises(DecodeError, match=r"Item\.from_dict\(\): field 'id'.*'not-a-uuid'"):
            Item.from_dict(name="a", id="not-a-uuid")

    def test_cause_is_chained(self) -> None:
        with pytest.raises(DecodeError) as info:
            Item.from_dict(name="a", id="not-a-uuid")
        assert isinstance(info.value.__cause__, ValueError)

    def test_bad_nested_value_names_the_field_and_value(self) -> None:
        with pytest.raises(DecodeError, match=r"Nested\.from_dict\(\): field 'item'.* 5"):
            Nested.from_dict(item=5, items=[])

    def test_nested_error_includes_the_inner_field(self) -> None:
        with pytest.raises(
            DecodeError, match=r"at items\[0\]\.name: missing required field 'name' of Item"
        ):
            Nested.from_dict(item={"name": "a"}, items=[{}])

    def test_literal_outside_the_choices_is_refused(self) -> None:
        with pytest.raises(DecodeError, match="mode"):
            Special.from_dict(mode="medium", user=str(uuid.uuid4()), note="2024-01-01")

    def test_decode_error_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="missing required field 'x'"):
            Cmd.from_dict()

    def test_unknown_keys_are_ignored(self) -> None:
        assert Cmd.from_dict(x=1, added_in_v2="ignored") == Cmd(x=1)


class TestUnsupportedTypes:
    def test_unsupported_annotation_names_class_field_and_type(self) -> None:
        with pytest.raises(TypeError, match=r"Broken\.callback: unsupported type .*Callable"):
            Broken(callback=lambda: None).to_dict()


class TestCodecFunctions:
    def test_scalars_need_no_encoding(self) -> None:
        assert (encoder_for(int), encoder_for(str | None)) == (passthrough, passthrough)

    def test_any_needs_no_decoding(self) -> None:
        assert decoder_for(Any) is passthrough

    def test_codecs_are_cached_per_type(self) -> None:
        assert decoder_for(list[uuid.UUID]) is decoder_for(list[uuid.UUID])

    def test_int_keys_accept_strings(self) -> None:
        assert decoder_for(dict[int, str])({"1": "a"}) == {1: "a"}

    def test_sequence_decoder_refuses_a_string(self) -> None:
        with pytest.raises(ValueError, match="expected a list"):
            decoder_for(list[int])("abc")
