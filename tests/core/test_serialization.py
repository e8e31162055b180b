"""JSON serializer and the zlib compressor (the deserializer: test_deserializers.py)."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest

import cqrs
from cqrs.compressors import Compressor, ZlibCompressor
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
