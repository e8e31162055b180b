"""`from_dict` of the dataclass flavour validates every value against its annotation."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import gc
import json
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Generic, Literal, NewType, TypeVar

import pytest

import cqrs

T = TypeVar("T")


class Color(enum.Enum):
    RED = "red"
    GREEN_BLUE = "teal"


class Level(enum.IntEnum):
    LOW, HIGH = 1, 2


class Scalars(cqrs.Request):
    text: str
    count: int
    ratio: float
    flag: bool


class Simple(cqrs.Request):
    id: uuid.UUID
    when: dt.datetime
    day: dt.date
    at: dt.time
    money: decimal.Decimal
    blob: bytes
    span: dt.timedelta
    color: Color
    level: Level


class Line(cqrs.Response):
    sku: str
    qty: int


class Order(cqrs.Request):
    order_id: str
    lines: list[Line]
    first: Line | None = None


class Collections(cqrs.Request):
    numbers: list[int]
    rest: tuple[int, ...]
    pair: tuple[int, str]
    tags: set[str]
    counts: dict[str, int]
    by_number: dict[int, str]


class Choices(cqrs.Request):
    mode: Literal["fast", "slow"]
    either: int | str
    maybe: int | None = None


Sku = NewType("Sku", str)


class Wrapped(cqrs.Request):
    count: Annotated[int, "a note"]
    sku: Sku
    values: Sequence[float]
    by_name: Mapping[str, bool]
    frozen: frozenset[int]


class Page(cqrs.Response, Generic[T]):
    items: list[T]


class Untyped(cqrs.Request):
    anything: Any


def scalars(**changes: Any) -> dict[str, Any]:
    return {"text": "t", "count": 1, "ratio": 0.5, "flag": True, **changes}


def simple(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "when": "2026-01-02T03:04:05+00:00",
        "day": "2026-01-02",
        "at": "03:04:05",
        "money": "1.50",
        "blob": "AAE=",
        "span": 1.5,
        "color": "red",
        "level": 2,
    }
    return {**data, **changes}


def collections(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "numbers": [1, 2],
        "rest": [3],
        "pair": [1, "a"],
        "tags": ["x"],
        "counts": {"a": 1},
        "by_number": {"1": "one"},
    }
    return {**data, **changes}


class TestScalars:
    def test_valid_scalars_decode(self) -> None:
        assert Scalars.from_dict(**scalars()) == Scalars(text="t", count=1, ratio=0.5, flag=True)

    @pytest.mark.parametrize("bad", [123, 1.5, True, ["t"], {"t": 1}])
    def test_str_refuses_other_types(self, bad: Any) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"field 'text'.*expected a string"):
            Scalars.from_dict(**scalars(text=bad))

    @pytest.mark.parametrize("bad", ["12", True, False, 1.0, None, [1]])
    def test_int_refuses_bool_text_and_float(self, bad: Any) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"field 'count'"):
            Scalars.from_dict(**scalars(count=bad))

    @pytest.mark.parametrize("bad", ["abc", "1.5", True])
    def test_float_refuses_bool_and_text(self, bad: Any) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"field 'ratio'.*expected a number"):
            Scalars.from_dict(**scalars(ratio=bad))

    def test_float_widens_an_int_to_a_float(self) -> None:
        ratio = Scalars.from_dict(**scalars(ratio=2)).ratio
        assert (ratio, type(ratio)) == (2.0, float)

    @pytest.mark.parametrize("bad", [0, 1, "true"])
    def test_bool_refuses_numbers_and_text(self, bad: Any) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"field 'flag'.*expected a bool"):
            Scalars.from_dict(**scalars(flag=bad))


class TestSimpleTypes:
    def test_valid_wire_forms_decode_to_their_types(self) -> None:
        decoded = Simple.from_dict(**simple())
        assert (decoded.money, decoded.blob, decoded.color, decoded.level) == (
            decimal.Decimal("1.50"),
            b"\x00\x01",
            Color.RED,
            Level.HIGH,
        )

    @pytest.mark.parametrize(
        ("field", "bad"),
        [
            ("id", "not-a-uuid"),
            ("id", 5),
            ("when", "yesterday"),
            ("when", 1700000000),
            ("day", "2026-13-01"),
            ("day", "2026-01-02T03:04:05"),
            ("at", "25:00"),
            ("money", "lots"),
            ("money", True),
            ("blob", "!!not base64!!"),
            ("span", "1s"),
            ("color", "green-blue"),
            ("color", 1),
            ("level", True),
            ("level", 3),
            ("level", "2"),
        ],
    )
    def test_bad_values_are_refused(self, field: str, bad: Any) -> None:
        with pytest.raises(cqrs.DecodeError, match=rf"field '{field}' is invalid at {field}:"):
            Simple.from_dict(**simple(**{field: bad}))

    def test_none_is_refused_for_a_uuid(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"field 'id'.*None is not allowed"):
            Simple.from_dict(**simple(id=None))


class TestCollections:
    def test_valid_collections_decode_to_their_types(self) -> None:
        decoded = Collections.from_dict(**collections())
        assert (decoded.rest, decoded.pair, decoded.tags, decoded.by_number) == (
            (3,),
            (1, "a"),
            {"x"},
            {1: "one"},
        )

    def test_list_item_of_the_wrong_type_is_refused_with_its_index(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at numbers\[1\]: expected an int.*'a'"):
            Collections.from_dict(**collections(numbers=[1, "a"]))

    def test_a_string_is_not_a_list(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at numbers: expected a list"):
            Collections.from_dict(**collections(numbers="12"))

    def test_variable_tuple_item_is_checked(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at rest\[0\]"):
            Collections.from_dict(**collections(rest=[None]))

    def test_fixed_tuple_checks_each_position(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at pair\[1\]: expected a string"):
            Collections.from_dict(**collections(pair=[1, 2]))

    def test_fixed_tuple_checks_the_length(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at pair: expected a list of 2 items"):
            Collections.from_dict(**collections(pair=[1]))

    def test_set_item_is_checked(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at tags\[0\]"):
            Collections.from_dict(**collections(tags=[1]))

    def test_dict_value_is_checked_with_its_key(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at counts\['b'\]: expected an int"):
            Collections.from_dict(**collections(counts={"a": 1, "b": "2"}))

    def test_int_key_must_be_digits(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at by_number\['x'\]"):
            Collections.from_dict(**collections(by_number={"x": "one"}))

    def test_a_list_is_not_a_dict(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at counts: expected an object"):
            Collections.from_dict(**collections(counts=[["a", 1]]))


class TestWrappedAndAbstractTypes:
    GOOD: dict[str, Any] = {
        "count": 1,
        "sku": "s",
        "values": [1.5],
        "by_name": {"a": True},
        "frozen": [1],
    }

    def test_valid_values_decode(self) -> None:
        decoded = Wrapped.from_dict(**self.GOOD)
        assert (decoded.values, decoded.frozen) == ([1.5], frozenset({1}))

    @pytest.mark.parametrize(
        ("field", "bad", "path"),
        [
            ("count", "1", "count"),
            ("sku", 1, "sku"),
            ("values", [1.5, "2"], r"values\[1\]"),
            ("by_name", {"a": 1}, r"by_name\['a'\]"),
            ("frozen", [1, True], r"frozen\[1\]"),
        ],
    )
    def test_the_underlying_type_is_checked(self, field: str, bad: Any, path: str) -> None:
        with pytest.raises(cqrs.DecodeError, match=rf"invalid at {path}:"):
            Wrapped.from_dict(**{**self.GOOD, field: bad})


class TestUnionsAndLiterals:
    def test_optional_accepts_none(self) -> None:
        assert Choices.from_dict(mode="fast", either=1, maybe=None).maybe is None

    def test_optional_refuses_another_type(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at maybe: expected an int"):
            Choices.from_dict(mode="fast", either=1, maybe="1")

    def test_union_takes_each_member(self) -> None:
        decoded = [Choices.from_dict(mode="fast", either=e).either for e in (1, "1")]
        assert decoded == [1, "1"]

    def test_union_refuses_what_no_member_accepts(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at either: no member of int \| str"):
            Choices.from_dict(mode="fast", either=1.5)

    def test_union_without_none_refuses_none(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"field 'either'.*None is not allowed"):
            Choices.from_dict(mode="fast", either=None)

    def test_literal_refuses_other_values(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at mode: expected one of \['fast', 'slow'\]"):
            Choices.from_dict(mode="medium", either=1)

    def test_literal_refuses_an_unhashable_value(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at mode"):
            Choices.from_dict(mode=["fast"], either=1)


class TestNestedModels:
    def test_valid_nested_models_decode(self) -> None:
        order = Order.from_dict(order_id="o", lines=[{"sku": "a", "qty": 1}])
        assert order.lines == [Line(sku="a", qty=1)]

    def test_error_names_class_field_path_and_value(self) -> None:
        lines = [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}, {"sku": "c", "qty": "3"}]
        with pytest.raises(cqrs.DecodeError) as caught:
            Order.from_dict(order_id="o", lines=lines)
        message = str(caught.value)
        assert message.startswith("Order.from_dict(): field 'lines' is invalid at lines[2].qty")
        assert "got str '3'" in message

    def test_none_for_a_required_nested_model_is_refused(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at lines\[0\]: expected an object"):
            Order.from_dict(order_id="o", lines=[None])

    def test_missing_nested_field_is_located(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at first\.qty: missing required field"):
            Order.from_dict(order_id="o", lines=[], first={"sku": "a"})

    def test_a_scalar_for_a_nested_model_is_refused(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at first: expected an object.*got int 5"):
            Order.from_dict(order_id="o", lines=[], first=5)


class TestGenerics:
    def test_specialised_generic_decodes_its_items(self) -> None:
        page = Page[Line].from_dict(items=[{"sku": "a", "qty": 1}])
        assert page.items == [Line(sku="a", qty=1)]

    def test_specialised_generic_validates_its_items(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"Page\[Line\].*at items\[0\]\.qty"):
            Page[Line].from_dict(items=[{"sku": "a", "qty": True}])

    def test_generic_of_a_scalar_validates_items(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"at items\[1\]: expected an int"):
            Page[int].from_dict(items=[1, "2"])


class TestNoneAndAny:
    def test_any_accepts_none_and_anything(self) -> None:
        assert [Untyped.from_dict(anything=x).anything for x in (None, [1])] == [None, [1]]

    def test_none_is_refused_for_a_required_str(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"declare `text: \.\.\. \| None`"):
            Scalars.from_dict(**scalars(text=None))

    def test_a_field_defaulting_to_none_accepts_none(self) -> None:
        class Defaulted(cqrs.Request):
            note: str = None  # type: ignore[assignment]

        assert Defaulted.from_dict(note=None).note is None


class TestErrorChain:
    def test_cause_is_the_converters_error(self) -> None:
        with pytest.raises(cqrs.DecodeError) as caught:
            Simple.from_dict(**simple(id="not-a-uuid"))
        assert isinstance(caught.value.__cause__, ValueError)
        assert "badly formed" in str(caught.value.__cause__)


class TestAwkwardFieldNames:
    def test_fields_named_cls_and_self_round_trip(self) -> None:
        class Awkward(cqrs.Request):
            cls: str
            self: int

        original = Awkward(cls="c", self=1)
        assert Awkward.from_dict(**original.to_dict()) == original


class Blob:
    """An unrelated local object, to see whether a local model keeps its function's locals."""


def _local_box() -> tuple[type[cqrs.Request], weakref.ref[Blob]]:
    blob = Blob()

    class Item(cqrs.Response):
        n: int

    class Box(cqrs.Request):
        item: Item
        items: list[Item]

    return Box, weakref.ref(blob)


class TestLocalModels:
    def test_request_with_a_local_field_type_decodes(self) -> None:
        box_class, _ = _local_box()
        box = box_class.from_dict(item={"n": 1}, items=[{"n": 2}])
        assert box.to_dict() == {"item": {"n": 1}, "items": [{"n": 2}]}

    def test_local_model_does_not_keep_the_functions_other_locals(self) -> None:
        box_class, blob = _local_box()
        gc.collect()
        assert blob() is None
        assert box_class.from_dict(item={"n": 1}, items=[]).to_dict()["item"] == {"n": 1}

    def test_local_events_decode_through_the_public_bases(self) -> None:
        class Payload(cqrs.Response):
            at: dt.date

        class Happened(cqrs.DomainEvent):
            payload: Payload

        notification = cqrs.NotificationEvent[Payload]
        decoded = [
            Happened.from_dict(payload={"at": "2026-01-02"}).payload,
            notification.from_dict(event_name="E", topic="t", payload={"at": "2026-01-02"}).payload,
        ]
        assert decoded == [Payload(at=dt.date(2026, 1, 2))] * 2

    def test_local_recursive_model_decodes(self) -> None:
        class Node(cqrs.Response):
            children: list[Node]

        tree = Node.from_dict(children=[{"children": []}])
        assert tree == Node(children=[Node(children=[])])

    def test_a_local_name_defined_later_is_explained(self) -> None:
        class Early(cqrs.Request):
            late: Late

        class Late(cqrs.Response):
            n: int

        with pytest.raises(cqrs.DecodeError, match=r"define Late before Early in .*, or at module"):
            Early.from_dict(late={"n": 1})


class Chain(cqrs.Response):
    n: int = 0
    child: Chain | None = None


class Tree(cqrs.Response):
    kids: list[Tree]


def _chain_json(depth: int, leaf: str = "0") -> str:
    return '{"child":' * depth + '{"n":' + leaf + "}" + "}" * depth


DeepestJson = Callable[[Callable[[int], str]], int]


class OwnDecoder(cqrs.Response):
    child: OwnDecoder | None = None

    @classmethod
    def from_dict(cls, /, **kwargs: Any) -> OwnDecoder:
        return super().from_dict(**kwargs)  # not the plan decoder: recursion goes through here


class TestDeepNesting:
    def test_a_chain_as_deep_as_json_loads_parses_decodes(self, deepest_json: DeepestJson) -> None:
        depth = deepest_json(_chain_json)
        node: Chain | None = Chain.from_dict(**json.loads(_chain_json(depth, leaf="7")))
        levels = 0
        while node is not None and node.child is not None:
            node, levels = node.child, levels + 1
        assert (levels, node.n if node else None) == (depth, 7)

    def test_a_tree_as_deep_as_json_loads_parses_decodes(self, deepest_json: DeepestJson) -> None:
        depth = deepest_json(lambda d: '{"kids":[' * d + "]}" * d)
        tree = Tree.from_dict(**json.loads('{"kids":[' * depth + "]}" * depth))
        levels = 1
        while tree.kids:
            tree, levels = tree.kids[0], levels + 1
        assert levels == depth

    def test_a_bad_value_at_the_bottom_is_located(self, deepest_json: DeepestJson) -> None:
        depth = deepest_json(_chain_json)
        with pytest.raises(cqrs.DecodeError) as caught:
            Chain.from_dict(**json.loads(_chain_json(depth, leaf='"x"')))
        message = str(caught.value)
        assert message.startswith("Chain.from_dict(): field 'child' is invalid at child.child.")
        assert "child" * 3 not in message  # the path is dotted, not run together
        assert f"...({depth + 1} levels)..." in message
        assert "child.child.n: expected an int, got str 'x'" in message
        assert len(message) < 1_000

    def test_too_deep_for_a_models_own_from_dict_is_a_short_decode_error(
        self, deepest_json: DeepestJson
    ) -> None:
        depth = deepest_json(_chain_json)
        with pytest.raises(cqrs.DecodeError, match="nested deeper than") as caught:
            OwnDecoder.from_dict(**json.loads(_chain_json(depth)))
        assert len(str(caught.value)) < 2_000
