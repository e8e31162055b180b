"""Converting between notification events, stored rows and `OutboxedEvent` snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from cqrs.compressors.protocol import Compressor
from cqrs.events.event import INotificationEvent
from cqrs.outbox.encoding import encode_event
from cqrs.outbox.protocol import EventStatus, OutboxedEvent
from cqrs.outbox.sqlalchemy.exceptions import OutboxPayloadError

__all__ = ["claimed_events", "decode_payload", "event_row", "to_outboxed_event"]

# A JSON object always starts with "{"; zlib output never does (its first byte is 0x78
# for every level). So rows written with and without a compressor can be read alike.
_JSON_START = b"{"[0]
_STATUS = {status.value: status for status in EventStatus}
# (typeshed does not declare the scanner `json.loads` uses: it takes text and a start
# index, and returns the value and where it ended.)
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def event_row(
    event: INotificationEvent[Any], compressor: Compressor | None, now: datetime
) -> dict[str, Any]:
    """The insert parameters of `event`'s row, taken now (raises `InvalidOutboxEventError`)."""
    encoded = encode_event(event)
    data = encoded.payload
    return {
        "event_id": encoded.event_id,
        "event_name": encoded.event_name,
        "topic": encoded.topic,
        "message_key": encoded.key,
        "headers": None,
        "payload": compressor.compress(data) if compressor is not None else data,
        "status": EventStatus.NEW.value,
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
    }


def decode_payload(data: bytes, compressor: Compressor | None, row_id: object) -> dict[str, Any]:
    """The event's `to_dict()` stored in `data` (plain or compressed JSON)."""
    try:
        if data and data[0] != _JSON_START:
            if compressor is None:
                raise OutboxPayloadError(
                    f"outbox row {row_id!r} holds a compressed payload and this repository "
                    "has no compressor: pass the writer's compressor, e.g. "
                    "SqlAlchemyOutboxedEventRepository(session, ZlibCompressor())"
                )
            data = compressor.decompress(data)
        payload = json.loads(data)
    except OutboxPayloadError:
        raise
    except Exception as exc:
        raise OutboxPayloadError(
            f"outbox row {row_id!r} has a payload that is not (compressed) JSON "
            f"({type(exc).__name__}: {exc}); requeue cannot fix it, delete the row"
        ) from exc
    if not isinstance(payload, dict):
        raise OutboxPayloadError(f"outbox row {row_id!r} payload is {payload!r}, not an object")
    return payload


def to_outboxed_event(
    row: Row[Any], compressor: Compressor | None, next_attempt_at: datetime | None
) -> OutboxedEvent:
    """The snapshot of a selected row, with `next_attempt_at` as the caller knows it."""
    return OutboxedEvent(
        id=row.id,
        event_id=row.event_id,
        event_name=row.event_name,
        topic=row.topic,
        payload=decode_payload(row.payload, compressor, row.id),
        status=EventStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=next_attempt_at,
        created_at=row.created_at,
        last_error=row.last_error,
        key=row.message_key,
    )


def claimed_events(
    rows: Sequence[Any], compressor: Compressor | None, until: datetime
) -> list[OutboxedEvent]:
    """The snapshots of claimed rows (the `claim.CLAIMED` columns, in that order).

    The relay's hot path: rows unpack positionally, plain JSON payloads are decoded
    directly and their bytes kept as `payload_json` (a JSON broker sends them as they
    are); anything else (compressed, or not a JSON object) goes through
    `decode_payload`, which also names the row in its errors.
    """
    scan, new, set_attribute = _scan_json, object.__new__, object.__setattr__
    events: list[OutboxedEvent] = []
    append = events.append
    for row_id, event_id, name, topic, key, data, status, attempts, last_error, created in rows:
        payload: Any = None
        stored: bytes | None = None
        if data[:1] == b"{":
            # The JSON scanner itself: `json.loads` would also run two whitespace
            # regexes around it. A document must end where the object does.
            try:
                text = data.decode()
                payload, end = scan(text, 0)
                if end == len(text):
                    stored = data
                else:
                    payload = None
            except (ValueError, StopIteration):
                payload = None
        if type(payload) is not dict:
            payload = decode_payload(data, compressor, row_id)
        # `OutboxedEvent` is a frozen dataclass without `__post_init__` or slots: its
        # fields are its `__dict__`. Setting that in one call skips the eleven
        # `object.__setattr__` calls of the generated `__init__` (a third of the
        # per-row cost here); the result is an ordinary, equal, frozen snapshot.
        event = new(OutboxedEvent)
        set_attribute(
            event,
            "__dict__",
            {
                "id": row_id,
                "event_id": event_id,
                "event_name": name,
                "topic": topic,
                "payload": payload,
                "status": _STATUS[status],
                "attempts": attempts,
                "next_attempt_at": until,
                "created_at": created,
                "last_error": last_error,
                "key": key,
                "payload_json": stored,
            },
        )
        append(event)
    return events
