"""A circuit's state as Redis holds it: reading the hash, and merging two copies.

The hash of a circuit has the fields `state` (a `CircuitBreakerState` name),
`counter` (consecutive failures) and `opened_at` (float seconds since the
epoch; aiobreaker works with naive UTC datetimes).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from aiobreaker import CircuitBreakerState

__all__ = ["CircuitSnapshot", "epoch_seconds", "merge_states", "parse_hash"]

_EPOCH = datetime(1970, 1, 1)


class CircuitSnapshot(NamedTuple):
    """One copy of a circuit's state: `state` an `aiobreaker.CircuitBreakerState`,
    `counter` the consecutive failures, `opened_at` naive UTC or `None`."""

    state: Any
    counter: int
    opened_at: datetime | None


def merge_states(local: CircuitSnapshot, remote: CircuitSnapshot) -> CircuitSnapshot:
    """The state to keep when a local copy that changed during an outage meets Redis's.

    An open state is never lost: an OPEN copy wins over a CLOSED or HALF_OPEN
    one, and of two OPEN copies the one opened later wins. When neither is
    open, Redis's state is kept. The failure count is the larger of the two
    (failures seen by both before the outage are not counted twice).
    """
    counter = max(local.counter, remote.counter)
    open_ = CircuitBreakerState.OPEN
    if local.state is open_ and (
        remote.state is not open_ or _later(local.opened_at, remote.opened_at)
    ):
        return CircuitSnapshot(open_, counter, local.opened_at)
    return CircuitSnapshot(remote.state, counter, remote.opened_at)


def _later(one: datetime | None, other: datetime | None) -> bool:
    return one is not None and (other is None or one > other)


def parse_hash(fields: dict[Any, Any]) -> CircuitSnapshot:
    """Read a circuit's Redis hash (bytes or text); a missing or foreign state is CLOSED."""
    values = {_text(key): _text(value) for key, value in fields.items()}
    try:
        state = CircuitBreakerState[values.get("state", "CLOSED")]
    except KeyError:
        state = CircuitBreakerState.CLOSED  # a foreign value: start closed
    opened = values.get("opened_at")
    opened_at = _EPOCH + timedelta(seconds=float(opened)) if opened else None
    return CircuitSnapshot(state, int(values.get("counter") or 0), opened_at)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def epoch_seconds(value: datetime) -> float:
    """A naive UTC datetime as the float seconds since the epoch that Redis keeps."""
    return (value - _EPOCH).total_seconds()
