"""`cqrs.deserializers.JsonDeserializer`: python-cqrs's contract by default, raising on demand."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

import cqrs
import cqrs.deserializers.exceptions
import cqrs.deserializers.protocol
from cqrs.deserializers import (
    Deserializable,
    DeserializeError,
    DeserializeJsonError,
    Deserializer,
    JsonDeserializer,
)
from cqrs.serializers import serialize_event


class Joined(cqrs.Response):
    user_id: str
    meeting_id: int


JoinedEvent = cqrs.NotificationEvent[Joined]
DeepestJson = Callable[[Callable[[int], str]], int]

BAD_INPUTS = {
    "bad-json": b"{not json",
    "bad-utf8": b"\xff\xfe\x00",
    "not-an-object": b"[1, 2]",
    "missing-fields": b'{"topic": "t"}',
    "invalid-value": b'{"event_name": "X", "topic": "t", "payload": {"user_id": "u", '
    b'"meeting_id": "7"}}',
}


def _event(user_id: str = "u-1") -> cqrs.NotificationEvent[Joined]:
    return JoinedEvent(
        event_name="UserJoined", topic="users", payload=Joined(user_id=user_id, meeting_id=7)
    )


class TestDefaultContract:
    def test_returns_the_model(self) -> None:
        event = _event()
        assert JsonDeserializer(model=JoinedEvent)(serialize_event(event)) == event

    def test_accepts_text(self) -> None:
        event = _event()
        assert JsonDeserializer(JoinedEvent)(serialize_event(event).decode()) == event

    @pytest.mark.parametrize(
        "tombstone", [None, b"", ""], ids=["none", "empty-bytes", "empty-text"]
    )
    def test_a_tombstone_gives_none(self, tombstone: bytes | str | None) -> None:
        assert JsonDeserializer(JoinedEvent)(tombstone) is None

    @pytest.mark.parametrize("data", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
    def test_bad_input_returns_a_deserialize_json_error(self, data: bytes) -> None:
        result = JsonDeserializer(JoinedEvent)(data)
        assert isinstance(result, DeserializeJsonError)
        assert result.message_data is data
        assert "NotificationEvent[Joined]" in result.error_message

    def test_error_type_is_the_underlying_errors_class(self) -> None:
        result = JsonDeserializer(JoinedEvent)(b"{not json")
        assert isinstance(result, DeserializeJsonError)
        assert result.error_type is json.JSONDecodeError

    def test_a_value_refused_by_validation_reports_a_decode_error(self) -> None:
        result = JsonDeserializer(JoinedEvent)(BAD_INPUTS["invalid-value"])
        assert isinstance(result, DeserializeJsonError)
        assert result.error_type is cqrs.DecodeError
        assert "payload.meeting_id" in result.error_message

    def test_error_is_immutable(self) -> None:
        result = JsonDeserializer(JoinedEvent)(b"{not json")
        with pytest.raises(AttributeError):
            result.error_message = "changed"  # type: ignore[union-attr,misc]


class TestRaiseOnError:
    @pytest.mark.parametrize("data", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
    def test_bad_input_raises_deserialize_error_carrying_it(self, data: bytes) -> None:
        with pytest.raises(DeserializeError) as caught:
            JsonDeserializer(JoinedEvent, raise_on_error=True)(data)
        assert caught.value.data is data
        assert caught.value.model is JoinedEvent
        assert "NotificationEvent[Joined]" in str(caught.value)

    def test_a_tombstone_still_gives_none(self) -> None:
        assert JsonDeserializer(JoinedEvent, raise_on_error=True)(None) is None

    def test_valid_input_gives_the_model(self) -> None:
        event = _event()
        assert JsonDeserializer(JoinedEvent, raise_on_error=True)(serialize_event(event)) == event

    def test_cause_is_chained(self) -> None:
        with pytest.raises(DeserializeError) as caught:
            JsonDeserializer(JoinedEvent, raise_on_error=True)(b"{not json")
        assert isinstance(caught.value.__cause__, json.JSONDecodeError)

    def test_is_a_cqrs_error_and_a_value_error(self) -> None:
        assert issubclass(DeserializeError, cqrs.CQRSError)
        assert issubclass(DeserializeError, ValueError)

    def test_long_input_is_cut_in_the_message_but_kept_whole(self) -> None:
        data = b"x" * 10_000
        with pytest.raises(DeserializeError) as caught:
            JsonDeserializer(JoinedEvent, raise_on_error=True)(data)
        assert len(str(caught.value)) < 1_000
        assert caught.value.data == data


class TestModels:
    def test_model_without_from_dict_is_refused(self) -> None:
        with pytest.raises(TypeError, match="from_dict"):
            JsonDeserializer(uuid.UUID)  # type: ignore[type-var]

    def test_works_for_any_from_dict_model(self) -> None:
        restored = JsonDeserializer(Joined)(b'{"user_id":"u","meeting_id":1}')
        assert restored == Joined(user_id="u", meeting_id=1)

    def test_is_a_deserializer(self) -> None:
        assert isinstance(JsonDeserializer(JoinedEvent), Deserializer)

    def test_models_are_deserializable(self) -> None:
        assert isinstance(JoinedEvent, Deserializable)


class TestImportPaths:
    def test_deserialize_json_error_is_at_both_paths(self) -> None:
        assert cqrs.deserializers.exceptions.DeserializeJsonError is DeserializeJsonError

    def test_deserializable_is_at_both_paths(self) -> None:
        assert cqrs.deserializers.protocol.Deserializable is Deserializable

    def test_supports_from_dict_is_the_same_protocol(self) -> None:
        assert cqrs.deserializers.SupportsFromDict is Deserializable


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


class Nest(cqrs.Response):
    inner: Nest | None = None


def _nests(depth: int) -> str:
    return '{"inner":' * depth + "{}" + "}" * depth


class TestHostileNesting:
    @pytest.mark.parametrize("raise_on_error", [False, True])
    def test_a_recursive_model_as_deep_as_json_allows_is_returned(
        self, raise_on_error: bool, deepest_json: DeepestJson
    ) -> None:
        depth = deepest_json(_nests)
        # Up to 3.11 json.loads shares the recursion limit with Python frames, so from
        # inside the deserializer (two frames deeper) it parses a few levels less.
        result = JsonDeserializer(Nest, raise_on_error=raise_on_error)(_nests(depth - 5))
        assert isinstance(result, Nest)

    def test_too_deep_json_returns_an_error_not_a_recursion_error(
        self, deepest_json: DeepestJson
    ) -> None:
        data = _nested(deepest_json(_nested) + 1)
        result = JsonDeserializer(JoinedEvent)(data)
        assert isinstance(result, DeserializeJsonError)
        assert "nested too deeply" in result.error_message

    def test_too_deep_json_raises_deserialize_error(self, deepest_json: DeepestJson) -> None:
        data = _nested(deepest_json(_nested) + 1)
        with pytest.raises(DeserializeError, match="nested too deeply"):
            JsonDeserializer(JoinedEvent, raise_on_error=True)(data)

    def test_deep_json_in_an_ignored_key_is_accepted(self, deepest_json: DeepestJson) -> None:
        body: dict[str, Any] = {"user_id": "u", "meeting_id": 1}
        text = json.dumps(body)[:-1] + ', "extra": ' + _nested(deepest_json(_nested) - 5) + "}"
        assert JsonDeserializer(Joined)(text) == Joined(user_id="u", meeting_id=1)
