"""python-cqrs 4.x models: an explicit `@dataclasses.dataclass` on top of ours, and the
defaults and hash of notification events (issue 9, items 1 and 2)."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

import cqrs
from cqrs.events import bootstrap
from cqrs.events.event import DEFAULT_OUTPUT_TOPIC


@dataclasses.dataclass(frozen=True)
class Placed(cqrs.DCEvent):
    order_id: str
    note: str = "-"


@dataclasses.dataclass(frozen=True)
class Shipped(cqrs.DCDomainEvent):
    order_id: str


@dataclasses.dataclass(frozen=True)
class Express(Shipped):
    carrier: str


class Untouched(Express):
    """A plain subclass of an explicitly decorated event."""

    depot: str


@dataclasses.dataclass(frozen=True)
class Joined(cqrs.DCNotificationEvent[dict[str, int]]):
    event_name: str = "Joined"
    # Required, after the base's fields with defaults: fine at run time (keyword-only);
    # mypy reads the explicit decorator as positional fields and needs kw_only=True.
    seat: int  # type: ignore[misc]


@dataclasses.dataclass
class Create(cqrs.DCRequest):
    name: str
    size: int = 1


@dataclasses.dataclass
class Created(cqrs.DCResponse):
    item_id: uuid.UUID


class Tags(cqrs.DCNotificationEvent[dict[str, list[str]]]):
    event_name: str = "Tags"


class TestExplicitFrozenDataclassOnEvents:
    @pytest.mark.parametrize(
        "event",
        [
            Placed(order_id="o1"),
            Shipped(order_id="o1"),
            Express(order_id="o1", carrier="dhl"),
            Untouched(order_id="o1", carrier="dhl", depot="d"),
        ],
        ids=["DCEvent", "DCDomainEvent", "subclass", "plain-subclass"],
    )
    def test_round_trips_exactly(self, event: cqrs.DCEvent) -> None:
        assert type(event).from_dict(**event.to_dict()) == event

    def test_notification_field_without_default_follows_base_defaults(self) -> None:
        event = Joined(seat=3, payload={"a": 1})
        assert Joined.from_dict(**event.to_dict()) == event
        assert event.to_dict()["seat"] == 3

    def test_fields_stay_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            Placed("o1")  # type: ignore[call-arg]

    @pytest.mark.parametrize(
        "event",
        [
            Placed(order_id="o1"),
            Express(order_id="o1", carrier="dhl"),
            Untouched(order_id="o1", carrier="dhl", depot="d"),
        ],
        ids=["decorated", "decorated-subclass", "plain-subclass"],
    )
    def test_events_stay_immutable(self, event: cqrs.DCEvent) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            event.order_id = "changed"  # type: ignore[attr-defined]

    def test_subclass_own_field_is_immutable(self) -> None:
        event = Untouched(order_id="o1", carrier="dhl", depot="d")
        with pytest.raises(dataclasses.FrozenInstanceError):
            event.depot = "elsewhere"  # type: ignore[misc]

    def test_field_cannot_be_deleted(self) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            del Placed(order_id="o1").note

    @pytest.mark.anyio
    async def test_domain_event_is_dispatched_to_its_handler(self) -> None:
        seen: list[str] = []

        class OnShipped(cqrs.EventHandler[Shipped]):
            async def handle(self, event: Shipped) -> None:
                seen.append(event.order_id)

        mediator = bootstrap.bootstrap(events_mapper=lambda m: m.bind(Shipped, OnShipped))
        await mediator.send(Shipped(order_id="o9"))
        assert seen == ["o9"]


class TestExplicitDataclassOnRequests:
    def test_request_round_trips(self) -> None:
        request = Create(name="n")
        assert Create.from_dict(**request.to_dict()) == request

    def test_response_round_trips(self) -> None:
        response = Created(item_id=uuid.uuid4())
        assert Created.from_dict(**response.to_dict()) == response

    def test_request_stays_mutable(self) -> None:
        request = Create(name="n")
        request.size = 5
        assert request.size == 5


class TestNotificationDefaults:
    def test_default_topic_is_the_reference_one(self) -> None:
        assert DEFAULT_OUTPUT_TOPIC == "output_topic"

    def test_topic_defaults_to_default_output_topic(self) -> None:
        assert cqrs.NotificationEvent[dict[str, int]](event_name="e").topic == DEFAULT_OUTPUT_TOPIC

    def test_dict_payload_is_hashable(self) -> None:
        event = cqrs.NotificationEvent[dict[str, int]](event_name="e", payload={"a": 1})
        assert hash(event) == hash(event.event_id)

    def test_subclass_hashes_by_event_id(self) -> None:
        event = Tags(payload={"t": ["x"]})
        assert {event: 1}[event] == 1
        assert hash(event) == hash(event.event_id)

    def test_explicitly_decorated_subclass_hashes_by_event_id(self) -> None:
        event = Joined(seat=1, payload={"a": 1})
        assert hash(event) == hash(event.event_id)

    def test_subclass_may_define_its_own_hash(self) -> None:
        class Unhashable(cqrs.DCNotificationEvent[dict[str, int]]):
            __hash__ = None  # type: ignore[assignment]

        with pytest.raises(TypeError):
            hash(Unhashable(event_name="u"))
