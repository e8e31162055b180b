"""Codec edge cases met through events: None payloads and values with no wire form."""

from __future__ import annotations

import pytest

import cqrs


class TestNoneAndUnencodable:
    def test_none_in_a_non_optional_field_round_trips_as_none(self) -> None:
        event = cqrs.NotificationEvent[dict[str, int]](event_name="E", topic="t")
        data = event.to_dict()
        assert data["payload"] is None
        assert type(event).from_dict(**data) == event

    def test_an_unencodable_value_is_a_clear_type_error(self) -> None:
        event = cqrs.NotificationEvent(event_name="E", topic="t", payload={"x": object()})
        with pytest.raises(TypeError, match="not JSON-compatible"):
            event.to_dict()
