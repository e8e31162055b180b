"""How messages travel on Kafka: JSON in the core wire format, or protobuf.

The record value is the event's payload (its `to_dict()`) as compact JSON (the
bytes of `cqrs.serializers.serialize_event`; a message relayed from the outbox
goes with the JSON its row stores, which the outbox writes the same way), or
the bytes of its `proto()` message for event types registered as protobuf. The
`content-type` header says which, and the consumer picks the decoder by it, so
producers can move an event type to protobuf while old JSON records drain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cqrs.deserializers import DeserializeError
from cqrs.message_brokers.protocol import Message

__all__ = [
    "CONTENT_TYPE_HEADER",
    "JSON",
    "MESSAGE_ID_HEADER",
    "MESSAGE_NAME_HEADER",
    "PROTOBUF",
    "Codec",
    "event_name_of",
    "peek_event_name",
]

#: Content types written in the `content-type` header.
JSON = "application/json"
PROTOBUF = "application/x-protobuf"

CONTENT_TYPE_HEADER = "content-type"
MESSAGE_NAME_HEADER = "cqrs-message-name"
MESSAGE_ID_HEADER = "cqrs-message-id"

# The same bytes as cqrs.serializers.serialize_event: compact, sorted keys, UTF-8 kept.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_PREVIEW = 200


def event_name_of(event_type: type[Any]) -> str:
    """The default `event_name` of an event class (how records name their type)."""
    fields = getattr(event_type, "__dataclass_fields__", None)
    field = fields.get("event_name") if fields else None
    default = getattr(field, "default", None)
    if default is None:  # pydantic flavour
        model_fields = getattr(event_type, "model_fields", {})
        default = getattr(model_fields.get("event_name"), "default", None)
    if not isinstance(default, str):
        raise TypeError(
            f"{event_type.__qualname__} has no default event_name, so records cannot be "
            "matched to it by name: give the field a default (event_name: str = 'UserJoined') "
            "or pass event_types as a mapping {'UserJoined': " + event_type.__qualname__ + "}"
        )
    return default


class Codec:
    """Encodes messages for Kafka and decodes records back into events.

    `protobuf` maps event classes (with `proto()` / `from_proto()`) to their
    generated protobuf message classes; those event types travel as protobuf,
    every other one as JSON. Event types are recognised by their default
    `event_name`.
    """

    __slots__ = ("_by_name", "_message_types")

    def __init__(self, protobuf: Mapping[type[Any], type[Any]] | None = None) -> None:
        self._message_types: dict[type[Any], type[Any]] = dict(protobuf or {})
        self._by_name: dict[str, type[Any]] = {
            event_name_of(event_type): event_type for event_type in self._message_types
        }

    def encode(self, message: Message) -> tuple[bytes, str]:
        """The record value of `message` and its content type."""
        event_type = self._by_name.get(message.message_name)
        if event_type is None:
            # A message relayed from the outbox carries the stored JSON of its payload.
            stored = message.payload_json
            if stored is not None:
                return stored, JSON
            return _ENCODER.encode(message.payload).encode("utf-8"), JSON
        # The payload is the event's to_dict(): rebuild the event (validated) for proto().
        event = event_type.from_dict(**message.payload)
        return event.proto().SerializeToString(), PROTOBUF

    def decode(self, value: bytes, content_type: str, event_type: type[Any]) -> Any:
        """Build an `event_type` from a record value; `DeserializeError` when it cannot."""
        try:
            if content_type == PROTOBUF:
                message_type = self._message_types.get(event_type)
                if message_type is None:
                    raise DeserializeError(
                        f"a protobuf record of {event_type.__qualname__} arrived, but no "
                        "protobuf message class is registered for it: pass "
                        f"protobuf={{{event_type.__qualname__}: YourMessage_pb2.Class}}",
                        data=value,
                        model=event_type,
                    )
                return event_type.from_proto(message_type.FromString(value))
            if content_type != JSON:
                raise DeserializeError(
                    f"unsupported content type {content_type!r} for "
                    f"{event_type.__qualname__}: expected {JSON!r} or {PROTOBUF!r}",
                    data=value,
                    model=event_type,
                )
            data = json.loads(value)
            if not isinstance(data, dict):
                raise TypeError(f"expected a JSON object, got {type(data).__name__}")
            return event_type.from_dict(**data)
        except DeserializeError:
            raise
        except Exception as exc:
            raise DeserializeError(
                f"cannot deserialize {event_type.__qualname__} from {value[:_PREVIEW]!r} "
                f"({content_type}): {type(exc).__name__}: {exc}",
                data=value,
                model=event_type,
            ) from exc

    def __repr__(self) -> str:
        names = ", ".join(t.__qualname__ for t in self._message_types)
        return f"Codec(protobuf=[{names}])"


def peek_event_name(value: bytes) -> str | None:
    """The `event_name` of a JSON record without a name header (None if not found)."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    name = data.get("event_name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None
