"""`encode_event`: what every outbox repository stores of a notification event.

One function, so memory and SQL stores accept and refuse the same events with
the same messages (the conformance suite checks both).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
)
from typing import Any, NamedTuple

from cqrs.events.event import INotificationEvent, event_key
from cqrs.outbox.exceptions import InvalidOutboxEventError

__all__ = ["EncodedEvent", "encode_event"]


def _not_json(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _json_encoder() -> Callable[[Any], str]:
    """Compact, key-sorted, strict (no NaN) JSON of `to_dict()` output, built once.

    The bytes are those of `cqrs.serializers.serialize_event` (compact, sorted keys,
    non-ASCII kept) for every payload that one accepts without NaN, so a relay can
    send a stored payload as it is and a consumer receives what a direct send gives.
    `json.dumps()` with non-default options builds an encoder and a closure per call;
    the C encoder that it ends up calling is reusable, so it is built here once (the
    same arguments `JSONEncoder.iterencode` passes it, on every Python we support).
    No circular-reference markers: `to_dict()` builds a fresh tree of dicts and lists.
    """
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return json.JSONEncoder(
            separators=(",", ":"), allow_nan=False, ensure_ascii=False, sort_keys=True
        ).encode
    encode = c_make_encoder(None, _not_json, encode_basestring, None, ":", ",", True, False, False)
    join = "".join

    def encode_json(data: Any) -> str:
        return join(encode(data, 0))

    return encode_json


_encode_json = _json_encoder()


class EncodedEvent(NamedTuple):
    """A notification event as an outbox row holds it: `payload` is `to_dict()` as JSON
    (UTF-8, compact, keys sorted: the bytes of `cqrs.serializers.serialize_event`)."""

    event_id: uuid.UUID
    event_name: str
    topic: str
    payload: bytes
    key: str | None


def encode_event(event: INotificationEvent[Any]) -> EncodedEvent:
    """Take `event`'s fields and its `to_dict()` as compact, strict JSON (a JSON object).

    Raises `InvalidOutboxEventError` for an object that is not a notification
    event, or whose `to_dict()` is not a JSON-compatible dict (NaN included: a
    SQL JSON column or a consumer would refuse it).
    """
    try:
        event_id, name, topic = event.event_id, event.event_name, event.topic
        to_dict = event.to_dict
    except AttributeError as exc:
        raise InvalidOutboxEventError(
            f"{event!r} is not a notification event ({exc}): the outbox stores objects "
            "with event_id, event_name, topic and to_dict(), e.g. cqrs.NotificationEvent"
        ) from exc
    try:
        data = to_dict()
        if not isinstance(data, dict):
            raise TypeError(f"it returned a {type(data).__name__}, not a dict")
        payload = _encode_json(data).encode()
    except Exception as exc:
        raise InvalidOutboxEventError(
            f"{type(event).__qualname__}.to_dict() of event {event_id} did not give "
            f"JSON-compatible data ({type(exc).__name__}: {exc}): it must return a dict of "
            "str, int, float, bool, None, lists and dicts"
        ) from exc
    return EncodedEvent(event_id, name, topic, payload, event_key(event))
