"""JSON serialization of events: compact UTF-8 with a stable key order.

The bytes of one event are always the same (keys sorted at every level, no
whitespace, non-ASCII kept as UTF-8), so they can be compared, hashed or
deduplicated, and a consumer reads them back with `cqrs.deserializers.json`.
"""

from __future__ import annotations

import json

from cqrs.serializers.protocol import SupportsToDict

__all__ = ["JsonSerializer", "serialize_event"]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def serialize_event(event: SupportsToDict) -> bytes:
    """`event.to_dict()` as compact, key-sorted UTF-8 JSON.

    Raises `TypeError` if `to_dict()` returns something JSON cannot hold
    (`to_dict()` must return str/int/float/bool/None, lists and dicts).
    """
    return _ENCODER.encode(event.to_dict()).encode("utf-8")


class JsonSerializer:
    """`serialize_event` as an object, for APIs that take a serializer instance
    (e.g. a Kafka producer's `value_serializer`)."""

    __slots__ = ()

    def __call__(self, obj: SupportsToDict, /) -> bytes:
        """Serialize `obj` with `serialize_event`."""
        return serialize_event(obj)

    def __repr__(self) -> str:
        return "JsonSerializer()"
