"""The pydantic notification event's reference defaults: topic and hash (issue 9, item 2)."""

from __future__ import annotations

import cqrs
from cqrs.events.event import DEFAULT_OUTPUT_TOPIC
from cqrs.pydantic import NotificationEvent


class Tags(NotificationEvent[dict[str, list[str]]]):
    event_name: str = "Tags"


class TestPydanticNotificationDefaults:
    def test_topic_defaults_to_default_output_topic(self) -> None:
        assert NotificationEvent[dict[str, int]](event_name="e").topic == DEFAULT_OUTPUT_TOPIC

    def test_default_topic_survives_the_wire(self) -> None:
        event = Tags(payload={"t": ["x"]})
        assert cqrs.NotificationEvent[dict[str, list[str]]].from_dict(**event.to_dict()).topic == (
            DEFAULT_OUTPUT_TOPIC
        )

    def test_dict_payload_is_hashable(self) -> None:
        event = NotificationEvent[dict[str, int]](event_name="e", payload={"a": 1})
        assert hash(event) == hash(event.event_id)

    def test_subclass_hashes_by_event_id(self) -> None:
        event = Tags(payload={"t": ["x"]})
        assert {event: 1}[event] == 1
