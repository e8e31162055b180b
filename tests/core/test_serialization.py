"""JSON serializer and deserializer, and the zlib compressor."""

from __future__ import annotations

import json
import uuid
import zlib
from typing import Any

import pytest

import cqrs
from cqrs.compressors import Compressor, ZlibCompressor
from cqrs.deserializers import DeserializeError, Deserializer, JsonDeserializer
from cqrs.serializers import JsonSerializer, Serializer, serialize_event


class Joined(cqrs.Response):
    user_id: str
    meeting_id: int
    tags: list[str]


JoinedEvent = cqrs.NotificationEvent[Joined]


def _event(user_id: str = "u-1") -> cqrs.NotificationEvent[Joined]:
    return JoinedEvent(
        event_name="UserJoined",
        topic="users",
        payload=Joined(user_id=user_id, meeting_id=7, tags=["a", "b"]),
    )


class TestSerializeEvent:
    def test_is_compact_utf8_json_of_to_dict(self) -> None:
        event = _event(user_id="Zoë")
        data = serialize_event(event)
        assert json.loads(data.decode("utf-8")) == event.to_dict()
        assert b" " not in data
        assert "Zoë".encode() in data

    def test_keys_are_sorted_at_every_level(self) -> None:
        data = serialize_event(_event())
        assert data.startswith(b'{"event_id":')
        assert b'"payload":{"meeting_id":7,"tags":["a","b"],"user_id":"u-1"}' in data

    def test_same_event_gives_same_bytes(self) -> None:
        event = _event()
        assert serialize_event(event) == serialize_event(JoinedEvent.from_dict(**event.to_dict()))

    def test_json_serializer_is_a_serializer(self) -> None:
        serializer = JsonSerializer()
        assert isinstance(serializer, Serializer)
        event = _event()
        assert serializer(event) == serialize_event(event)


class TestJsonDeserializer:
    def test_round_trips_a_notification_event(self) -> None:
        event = _event()
        deserializer = JsonDeserializer(JoinedEvent)
        restored = deserializer(serialize_event(event))
        assert restored == event
        assert isinstance(restored.payload, Joined)

    def test_accepts_text(self) -> None:
        event = _event()
        assert JsonDeserializer(JoinedEvent)(serialize_event(event).decode()) == event

    def test_is_a_deserializer(self) -> None:
        assert isinstance(JsonDeserializer(JoinedEvent), Deserializer)

    @pytest.mark.parametrize(
        "data",
        [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b"", b'{"topic": "t"}'],
        ids=["bad-json", "bad-utf8", "not-an-object", "empty", "missing-fields"],
    )
    def test_bad_input_raises_deserialize_error_carrying_it(self, data: bytes) -> None:
        with pytest.raises(DeserializeError) as caught:
            JsonDeserializer(JoinedEvent)(data)
        assert caught.value.data is data
        assert caught.value.model is JoinedEvent
        assert "NotificationEvent" in str(caught.value)

    def test_cause_is_chained(self) -> None:
        with pytest.raises(DeserializeError) as caught:
            JsonDeserializer(JoinedEvent)(b"{not json")
        assert isinstance(caught.value.__cause__, json.JSONDecodeError)

    def test_is_a_cqrs_error_and_a_value_error(self) -> None:
        assert issubclass(DeserializeError, cqrs.CQRSError)
        assert issubclass(DeserializeError, ValueError)

    def test_raise_on_error_false_returns_the_error(self) -> None:
        deserializer = JsonDeserializer(JoinedEvent, raise_on_error=False)
        result = deserializer(b"{not json")
        assert isinstance(result, DeserializeError)
        assert result.data == b"{not json"

    def test_raise_on_error_false_still_returns_good_models(self) -> None:
        event = _event()
        assert JsonDeserializer(JoinedEvent, raise_on_error=False)(serialize_event(event)) == event

    def test_long_input_is_cut_in_the_message_but_kept_whole(self) -> None:
        data = b"x" * 10_000
        with pytest.raises(DeserializeError) as caught:
            JsonDeserializer(JoinedEvent)(data)
        assert len(str(caught.value)) < 1_000
        assert caught.value.data == data

    def test_model_without_from_dict_is_refused(self) -> None:
        with pytest.raises(TypeError, match="from_dict"):
            JsonDeserializer(uuid.UUID)  # type: ignore[type-var]

    def test_works_for_any_from_dict_model(self) -> None:
        restored = JsonDeserializer(Joined)(b'{"user_id":"u","meeting_id":1,"tags":[]}')
        assert restored == Joined(user_id="u", meeting_id=1, tags=[])


class TestZlibCompressor:
    def test_round_trip(self) -> None:
        compressor = ZlibCompressor()
        data = serialize_event(_event()) * 20
        compressed = compressor.compress(data)
        assert len(compressed) < len(data)
        assert compressor.decompress(compressed) == data

    def test_is_standard_zlib(self) -> None:
        assert zlib.decompress(ZlibCompressor(level=9).compress(b"abc")) == b"abc"

    def test_is_a_compressor(self) -> None:
        assert isinstance(ZlibCompressor(), Compressor)

    @pytest.mark.parametrize("level", [-2, 10, "6"])
    def test_invalid_level_is_refused(self, level: Any) -> None:
        with pytest.raises(ValueError, match="level"):
            ZlibCompressor(level)
