"""The pydantic flavour's types: protocols, validation, immutability, generics, errors."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid

import pydantic
import pytest

import cqrs
import cqrs.pydantic


class View(cqrs.pydantic.Response):
    user_id: str
    score: int = 0


class GetView(cqrs.pydantic.Request[View]):
    user_id: str


class Rename(cqrs.pydantic.Request):
    user_id: str
    name: str = pydantic.Field(min_length=1)


class Aliased(cqrs.pydantic.Request[None]):
    user_id: str = pydantic.Field(alias="userId")


class Renamed(cqrs.pydantic.DomainEvent, frozen=True):
    user_id: str


class Plain(cqrs.pydantic.Event):
    note: str


class Profile(cqrs.pydantic.Response):
    name: str


UserJoined = cqrs.pydantic.NotificationEvent[Profile]


class TestRequest:
    def test_is_a_pydantic_model_and_an_irequest(self) -> None:
        request = GetView(user_id="u-1")
        assert isinstance(request, pydantic.BaseModel)
        assert isinstance(request, cqrs.IRequest)
        assert issubclass(GetView, cqrs.IRequest)

    def test_parametrised_base_is_pydantics_cached_subclass(self) -> None:
        assert cqrs.pydantic.Request[View] is cqrs.pydantic.Request[View]
        assert GetView.__mro__[1] is cqrs.pydantic.Request[View]

    def test_parameter_adds_no_field(self) -> None:
        assert list(GetView.model_fields) == ["user_id"]

    def test_validates_on_construction(self) -> None:
        with pytest.raises(pydantic.ValidationError, match="name"):
            Rename(user_id="u-1", name="")

    def test_is_mutable(self) -> None:
        request = Rename(user_id="u-1", name="a")
        request.name = "b"
        assert request.name == "b"

    def test_round_trips_through_the_wire_format(self) -> None:
        request = Rename(user_id="u-1", name="Ann")
        assert request.to_dict() == {"user_id": "u-1", "name": "Ann"}
        assert Rename.from_dict(**request.to_dict()) == request

    def test_from_dict_ignores_unknown_keys(self) -> None:
        assert Rename.from_dict(user_id="u", name="n", extra=1) == Rename(user_id="u", name="n")

    def test_aliased_field_is_written_and_read_by_name(self) -> None:
        request = Aliased(userId="u-1")
        assert request.to_dict() == {"user_id": "u-1"}
        assert Aliased.from_dict(user_id="u-1") == request


class TestResponse:
    def test_is_a_pydantic_model_and_an_iresponse(self) -> None:
        view = View(user_id="u-1")
        assert isinstance(view, pydantic.BaseModel)
        assert isinstance(view, cqrs.IResponse)

    def test_coerces_like_pydantic(self) -> None:
        assert View(user_id="u-1", score="3").score == 3  # type: ignore[arg-type]

    def test_model_dump_is_pydantics(self) -> None:
        assert View(user_id="u-1").model_dump() == {"user_id": "u-1", "score": 0}


class TestFromDictErrors:
    def test_bad_data_raises_decode_error_naming_the_class(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"^Rename\.from_dict\(\)"):
            Rename.from_dict(user_id="u-1", name="")

    def test_message_shows_field_and_value(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"score: .*valid integer.*'lots'"):
            View.from_dict(user_id="u-1", score="lots")

    def test_missing_field_is_named(self) -> None:
        with pytest.raises(cqrs.DecodeError, match="user_id: field required"):
            View.from_dict()

    def test_chained_to_the_validation_error(self) -> None:
        with pytest.raises(cqrs.DecodeError) as caught:
            View.from_dict(user_id=1)
        assert isinstance(caught.value.__cause__, pydantic.ValidationError)

    def test_shows_at_most_three_errors_and_counts_the_rest(self) -> None:
        with pytest.raises(cqrs.DecodeError, match=r"5 validation error\(s\).*\(\+2 more\)$"):
            UserJoined.from_dict(
                event_id="x", event_timestamp="y", event_name=1, topic=2, payload=3
            )

    def test_is_a_cqrs_error(self) -> None:
        with pytest.raises(cqrs.CQRSError):
            View.from_dict()


class TestEvent:
    def test_is_frozen(self) -> None:
        event = Plain(note="n")
        with pytest.raises(pydantic.ValidationError, match="frozen"):
            event.note = "m"  # type: ignore[misc]

    def test_subclass_without_the_keyword_is_frozen_too(self) -> None:
        assert Plain.model_config.get("frozen") is True

    def test_is_hashable(self) -> None:
        assert hash(Plain(note="n")) == hash(Plain(note="n"))

    def test_is_an_ievent_but_neither_domain_nor_notification(self) -> None:
        event = Plain(note="n")
        assert isinstance(event, cqrs.IEvent)
        assert cqrs.IDomainEvent not in Plain.__mro__
        assert not isinstance(event, cqrs.INotificationEvent)


class TestDomainEvent:
    def test_has_the_domain_marker_in_its_mro(self) -> None:
        assert cqrs.IDomainEvent in Renamed.__mro__

    def test_is_frozen(self) -> None:
        with pytest.raises(pydantic.ValidationError, match="frozen"):
            Renamed(user_id="u").user_id = "v"  # type: ignore[misc]

    def test_round_trips(self) -> None:
        event = Renamed(user_id="u-1")
        assert Renamed.from_dict(**event.to_dict()) == event


class TestNotificationEvent:
    def test_instance_type_is_the_parametrised_class(self) -> None:
        event = UserJoined(event_name="UserJoined", topic="users", payload=Profile(name="Ann"))
        assert type(event) is cqrs.pydantic.NotificationEvent[Profile]

    def test_satisfies_the_notification_protocol(self) -> None:
        event = UserJoined(event_name="UserJoined", topic="users", payload=Profile(name="Ann"))
        assert isinstance(event, cqrs.INotificationEvent)
        assert isinstance(event, cqrs.IEvent)

    def test_is_not_a_domain_event(self) -> None:
        assert cqrs.IDomainEvent not in UserJoined.__mro__

    def test_payload_is_validated_as_the_parameter(self) -> None:
        event = UserJoined(event_name="e", topic="t", payload={"name": "Ann"})  # type: ignore[arg-type]
        assert event.payload == Profile(name="Ann")

    def test_defaults_are_a_fresh_uuid_and_an_aware_utc_timestamp(self) -> None:
        first = UserJoined(event_name="e", topic="t")
        second = UserJoined(event_name="e", topic="t")
        assert isinstance(first.event_id, uuid.UUID)
        assert first.event_id != second.event_id
        assert first.event_timestamp.utcoffset() == dt.timedelta(0)

    def test_payload_defaults_to_none(self) -> None:
        assert UserJoined(event_name="e", topic="t").payload is None

    def test_is_frozen(self) -> None:
        event = UserJoined(event_name="e", topic="t")
        with pytest.raises(pydantic.ValidationError, match="frozen"):
            event.topic = "other"  # type: ignore[misc]

    def test_subclass_may_override_defaults(self) -> None:
        class Joined(cqrs.pydantic.NotificationEvent[Profile], frozen=True):
            event_name: str = "UserJoined"
            topic: str = "users"

        assert Joined(payload=Profile(name="A")).to_dict()["event_name"] == "UserJoined"
        assert list(Joined.model_fields)[:4] == [
            "event_id",
            "event_timestamp",
            "event_name",
            "topic",
        ]

    def test_proto_hooks_say_how_to_implement_them(self) -> None:
        event = UserJoined(event_name="e", topic="t")
        with pytest.raises(NotImplementedError, match="override proto"):
            event.proto()
        with pytest.raises(NotImplementedError, match="from_proto"):
            UserJoined.from_proto(object())


class TestTopLevelNames:
    @pytest.mark.parametrize(
        ("name", "attribute"),
        [
            ("PydanticRequest", "Request"),
            ("PydanticResponse", "Response"),
            ("PydanticEvent", "Event"),
            ("PydanticDomainEvent", "DomainEvent"),
            ("PydanticNotificationEvent", "NotificationEvent"),
        ],
    )
    def test_lazy_name_resolves_to_the_pydantic_class(self, name: str, attribute: str) -> None:
        assert getattr(cqrs, name) is getattr(cqrs.pydantic, attribute)

    def test_package_exports_exactly_the_five_types(self) -> None:
        module = importlib.import_module("cqrs.pydantic")
        assert sorted(module.__all__) == [
            "DomainEvent",
            "Event",
            "NotificationEvent",
            "Request",
            "Response",
        ]
