"""Event types: Event, DomainEvent, NotificationEvent[Payload], their wire format and hooks."""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from typing import Any

import pytest

import cqrs

# -- events and payloads -----------------------------------------------------------------


class UserJoined(cqrs.DomainEvent, frozen=True):
    """The seeds' spelling: `frozen=True` as a class keyword."""

    user_id: str
    meeting_id: str


class OrderShipped(cqrs.DomainEvent):
    """No class keyword at all: still a frozen dataclass."""

    order_id: str


class AuditRecorded(cqrs.Event):
    """A plain event (neither domain nor notification)."""

    note: str


class UserJoinedPayload(cqrs.Response):
    user_id: str
    meeting_id: str


class UserJoinedNotificationEvent(cqrs.NotificationEvent[UserJoinedPayload]):
    """The README's protobuf example event, without the protobuf part."""

    event_name: str = "UserJoined"


class LineItem(cqrs.Response):
    sku: str
    quantity: int


class Basket(cqrs.Response):
    basket_id: uuid.UUID
    created_at: datetime.datetime
    items: list[LineItem]
    tags: list[str]


class BasketCheckedOut(cqrs.NotificationEvent[Basket]):
    event_name: str = "BasketCheckedOut"
    topic: str = "baskets"


class FakeProtoPayload:
    """Stands in for the nested message of a generated protobuf class."""

    def __init__(self) -> None:
        self.user_id = ""
        self.meeting_id = ""


class FakeUserJoinedProto:
    """Stands in for a generated `user_joined_pb2.UserJoinedNotification`."""

    def __init__(self) -> None:
        self.event_id = ""
        self.event_timestamp = ""
        self.event_name = ""
        self.payload = FakeProtoPayload()


class ProtoUserJoinedEvent(cqrs.NotificationEvent[UserJoinedPayload]):
    """The README's protobuf example, with the fake message in place of the generated one."""

    event_name: str = "UserJoined"

    def proto(self) -> FakeUserJoinedProto:
        msg = FakeUserJoinedProto()
        msg.event_id = str(self.event_id)
        msg.event_timestamp = self.event_timestamp.isoformat()
        msg.event_name = self.event_name
        msg.payload.user_id = self.payload.user_id
        msg.payload.meeting_id = self.payload.meeting_id
        return msg

    @classmethod
    def from_proto(cls, proto: Any) -> ProtoUserJoinedEvent:
        return cls(
            event_id=uuid.UUID(proto.event_id),
            event_timestamp=datetime.datetime.fromisoformat(proto.event_timestamp),
            event_name=proto.event_name,
            topic="user_notification_events",
            payload=UserJoinedPayload(
                user_id=proto.payload.user_id,
                meeting_id=proto.payload.meeting_id,
            ),
        )


def joined_notification() -> cqrs.NotificationEvent[UserJoinedPayload]:
    return cqrs.NotificationEvent[UserJoinedPayload](
        event_name="UserJoined",
        topic="user_notification_events",
        payload=UserJoinedPayload(user_id="u-1", meeting_id="m-1"),
    )


def checked_out_basket() -> BasketCheckedOut:
    return BasketCheckedOut(
        payload=Basket(
            basket_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
            created_at=datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc),
            items=[LineItem(sku="A-1", quantity=2), LineItem(sku="B-2", quantity=1)],
            tags=["gift", "express"],
        )
    )


# -- declaration -------------------------------------------------------------------------


class TestDeclaration:
    def test_a_subclass_is_a_dataclass_without_decorator(self) -> None:
        assert dataclasses.is_dataclass(OrderShipped)
        assert [f.name for f in dataclasses.fields(OrderShipped)] == ["order_id"]

    def test_the_frozen_class_keyword_is_accepted(self) -> None:
        event = UserJoined(user_id="u-1", meeting_id="m-1")

        assert (event.user_id, event.meeting_id) == ("u-1", "m-1")

    def test_fields_are_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            OrderShipped("o-1")  # type: ignore[call-arg]

    def test_events_with_equal_fields_are_equal(self) -> None:
        assert UserJoined(user_id="u", meeting_id="m") == UserJoined(user_id="u", meeting_id="m")
        assert UserJoined(user_id="u", meeting_id="m") != UserJoined(user_id="u", meeting_id="x")

    def test_a_domain_event_is_an_event(self) -> None:
        assert isinstance(OrderShipped(order_id="o-1"), cqrs.Event)
        # IDomainEvent is a nominal marker: recognised by explicit subclassing.
        assert cqrs.IDomainEvent in OrderShipped.__mro__

    def test_a_notification_event_satisfies_the_notification_protocol(self) -> None:
        assert isinstance(joined_notification(), cqrs.INotificationEvent)
        assert not isinstance(OrderShipped(order_id="o-1"), cqrs.INotificationEvent)


class TestImmutability:
    @pytest.mark.parametrize(
        ("event", "field"),
        [
            pytest.param(UserJoined(user_id="u", meeting_id="m"), "user_id", id="frozen-keyword"),
            pytest.param(OrderShipped(order_id="o"), "order_id", id="no-keyword"),
            pytest.param(AuditRecorded(note="n"), "note", id="plain-event"),
            pytest.param(joined_notification(), "topic", id="notification"),
            pytest.param(checked_out_basket(), "event_name", id="notification-subclass"),
        ],
    )
    def test_assigning_a_field_raises(self, event: object, field: str) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(event, field, "changed")

    def test_events_are_hashable(self) -> None:
        assert hash(UserJoined(user_id="u", meeting_id="m")) == hash(
            UserJoined(user_id="u", meeting_id="m")
        )


# -- notification defaults ---------------------------------------------------------------


class TestNotificationDefaults:
    def test_event_id_is_a_uuid4(self) -> None:
        event = joined_notification()

        assert isinstance(event.event_id, uuid.UUID)
        assert event.event_id.version == 4

    def test_event_id_is_fresh_per_instance(self) -> None:
        assert joined_notification().event_id != joined_notification().event_id

    def test_event_timestamp_is_timezone_aware_utc_and_near_now(self) -> None:
        before = datetime.datetime.now(datetime.timezone.utc)
        event = joined_notification()
        after = datetime.datetime.now(datetime.timezone.utc)

        assert event.event_timestamp.utcoffset() == datetime.timedelta(0)
        assert before <= event.event_timestamp <= after

    def test_explicit_id_and_timestamp_are_kept(self) -> None:
        event_id = uuid.uuid4()
        stamp = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)

        event = cqrs.NotificationEvent[UserJoinedPayload](
            event_id=event_id,
            event_timestamp=stamp,
            event_name="UserJoined",
            topic="t",
            payload=UserJoinedPayload(user_id="u", meeting_id="m"),
        )

        assert (event.event_id, event.event_timestamp) == (event_id, stamp)

    def test_a_subclass_overrides_the_event_name_default(self) -> None:
        event = UserJoinedNotificationEvent(
            topic="user_notification_events",
            payload=UserJoinedPayload(user_id="u", meeting_id="m"),
        )

        assert event.event_name == "UserJoined"


# -- wire format -------------------------------------------------------------------------


class TestToDict:
    def test_keys_are_the_snake_case_field_names(self) -> None:
        assert list(joined_notification().to_dict()) == [
            "event_id",
            "event_timestamp",
            "event_name",
            "topic",
            "payload",
        ]

    def test_event_id_is_a_dashed_uuid_string(self) -> None:
        event = joined_notification()

        assert event.to_dict()["event_id"] == str(event.event_id)
        assert len(event.to_dict()["event_id"]) == 36

    def test_event_timestamp_is_an_iso_string(self) -> None:
        event = joined_notification()
        stamp = event.to_dict()["event_timestamp"]

        assert isinstance(stamp, str)
        assert datetime.datetime.fromisoformat(stamp) == event.event_timestamp

    def test_payload_is_a_dict(self) -> None:
        assert joined_notification().to_dict()["payload"] == {
            "user_id": "u-1",
            "meeting_id": "m-1",
        }

    def test_nested_payload_is_encoded_all_the_way_down(self) -> None:
        assert checked_out_basket().to_dict()["payload"] == {
            "basket_id": "12345678-1234-5678-1234-567812345678",
            "created_at": "2024-05-01T12:30:00+00:00",
            "items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2", "quantity": 1}],
            "tags": ["gift", "express"],
        }

    def test_the_dict_is_json_serializable(self) -> None:
        event = checked_out_basket()

        assert json.loads(json.dumps(event.to_dict())) == event.to_dict()

    def test_a_domain_event_dict_has_its_fields(self) -> None:
        assert UserJoined(user_id="u", meeting_id="m").to_dict() == {
            "user_id": "u",
            "meeting_id": "m",
        }


class TestRoundTrip:
    def test_generic_notification_round_trips(self) -> None:
        event = joined_notification()

        assert cqrs.NotificationEvent[UserJoinedPayload].from_dict(**event.to_dict()) == event

    def test_generic_notification_rebuilds_the_payload_type(self) -> None:
        event = joined_notification()

        rebuilt = cqrs.NotificationEvent[UserJoinedPayload].from_dict(**event.to_dict())

        assert type(rebuilt.payload) is UserJoinedPayload

    def test_subclass_round_trips(self) -> None:
        event = UserJoinedNotificationEvent(
            topic="user_notification_events",
            payload=UserJoinedPayload(user_id="u", meeting_id="m"),
        )

        rebuilt = UserJoinedNotificationEvent.from_dict(**event.to_dict())

        assert rebuilt == event
        assert type(rebuilt.payload) is UserJoinedPayload

    def test_nested_lists_round_trip_through_json(self) -> None:
        event = checked_out_basket()

        rebuilt = BasketCheckedOut.from_dict(**json.loads(json.dumps(event.to_dict())))

        assert rebuilt == event
        assert all(type(item) is LineItem for item in rebuilt.payload.items)
        assert isinstance(rebuilt.payload.basket_id, uuid.UUID)

    def test_a_list_payload_round_trips(self) -> None:
        event = cqrs.NotificationEvent[list[LineItem]](
            event_name="Items", topic="items", payload=[LineItem(sku="A", quantity=1)]
        )

        rebuilt = cqrs.NotificationEvent[list[LineItem]].from_dict(
            **json.loads(json.dumps(event.to_dict()))
        )

        assert rebuilt == event
        assert type(rebuilt.payload[0]) is LineItem

    def test_id_and_timestamp_come_back_typed(self) -> None:
        event = joined_notification()

        rebuilt = cqrs.NotificationEvent[UserJoinedPayload].from_dict(
            **json.loads(json.dumps(event.to_dict()))
        )

        assert rebuilt.event_id == event.event_id
        assert rebuilt.event_timestamp == event.event_timestamp

    def test_a_domain_event_round_trips(self) -> None:
        event = UserJoined(user_id="u", meeting_id="m")

        assert UserJoined.from_dict(**event.to_dict()) == event


class TestParametrisation:
    def test_the_same_parametrisation_is_the_same_class(self) -> None:
        first = cqrs.NotificationEvent[UserJoinedPayload]
        second = cqrs.NotificationEvent[UserJoinedPayload]

        assert first is second

    def test_different_payloads_are_different_classes(self) -> None:
        joined: object = cqrs.NotificationEvent[UserJoinedPayload]
        basket: object = cqrs.NotificationEvent[Basket]

        assert joined is not basket

    def test_an_instance_has_the_parametrised_class(self) -> None:
        assert type(joined_notification()) is cqrs.NotificationEvent[UserJoinedPayload]

    def test_the_parametrised_class_is_a_notification_event(self) -> None:
        assert issubclass(cqrs.NotificationEvent[UserJoinedPayload], cqrs.NotificationEvent)


# -- protobuf hooks ----------------------------------------------------------------------


class TestProtobufHooks:
    def test_proto_is_not_implemented_by_default(self) -> None:
        with pytest.raises(NotImplementedError, match=r"override proto\(\) and from_proto\(\)"):
            joined_notification().proto()

    def test_the_proto_message_names_the_event_class(self) -> None:
        with pytest.raises(NotImplementedError, match="UserJoinedNotificationEvent"):
            UserJoinedNotificationEvent(
                topic="t", payload=UserJoinedPayload(user_id="u", meeting_id="m")
            ).proto()

    def test_from_proto_is_not_implemented_by_default(self) -> None:
        with pytest.raises(NotImplementedError, match=r"from_proto\(\) is not implemented"):
            UserJoinedNotificationEvent.from_proto(FakeUserJoinedProto())

    def test_overridden_proto_builds_the_message(self) -> None:
        event = ProtoUserJoinedEvent(
            topic="user_notification_events",
            payload=UserJoinedPayload(user_id="u-1", meeting_id="m-1"),
        )

        msg = event.proto()

        assert msg.event_id == str(event.event_id)
        assert msg.event_name == "UserJoined"
        assert (msg.payload.user_id, msg.payload.meeting_id) == ("u-1", "m-1")

    def test_overridden_from_proto_round_trips(self) -> None:
        event = ProtoUserJoinedEvent(
            topic="user_notification_events",
            payload=UserJoinedPayload(user_id="u-1", meeting_id="m-1"),
        )

        assert ProtoUserJoinedEvent.from_proto(event.proto()) == event


class TestAliases:
    def test_dc_event(self) -> None:
        assert cqrs.DCEvent is cqrs.Event

    def test_dc_domain_event(self) -> None:
        assert cqrs.DCDomainEvent is cqrs.DomainEvent

    def test_dc_notification_event(self) -> None:
        assert cqrs.DCNotificationEvent is cqrs.NotificationEvent
