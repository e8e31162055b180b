"""`default_serializer`: python-cqrs's catch-all serializer of messages to JSON bytes.

Objects with `to_dict()` (requests, responses, events of either flavour) become the bytes
of `cqrs.serializers.json.serialize_event`. Anything else is written as JSON as well:
pydantic models through `model_dump(mode="json")`, dataclasses (such as
`cqrs.message_brokers.protocol.Message`) field by field, UUIDs and enums by value,
dates and times in ISO 8601.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from typing import Any

from cqrs.serializers.json import serialize_event
from cqrs.serializers.protocol import SupportsToDict

__all__ = ["default_serializer"]


def _plain(value: Any) -> Any:
    """A JSON-compatible stand-in for `value`, which `json` cannot write itself."""
    if isinstance(value, (uuid.UUID, datetime.date, datetime.time)):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, SupportsToDict):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(
        f"default_serializer cannot write {type(value).__qualname__} {value!r} as JSON: "
        "give it a to_dict() method or convert it first"
    )


# The same layout as serialize_event's: compact, sorted keys, UTF-8 kept as is.
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_plain
)


def default_serializer(message: Any) -> bytes:
    """`message` as compact UTF-8 JSON bytes (see the module's docstring for what it takes).

    Raises `TypeError` for a value that has no JSON form.
    """
    if isinstance(message, SupportsToDict):
        return serialize_event(message)
    dump = getattr(message, "model_dump", None)
    data = dump(mode="json") if callable(dump) else message
    return _ENCODER.encode(data).encode("utf-8")
