"""Protobuf on Kafka: the `Codec` and the checked-in example (examples/kafka_protobuf.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cqrs.deserializers import DeserializeError
from cqrs.events.processor import notification_message
from cqrs.kafka import JSON, PROTOBUF, Codec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def example(import_file: Any) -> ModuleType:
    """examples/kafka_protobuf.py, imported (its generated _pb2 module beside it)."""
    module: ModuleType = import_file(EXAMPLES / "kafka_protobuf.py")
    return module


def joined(example: Any) -> Any:
    return example.UserJoined(payload=example.UserJoinedPayload(user_id="u-1", meeting_id="m-2"))


class TestProtobufCodec:
    def test_registered_event_is_encoded_as_its_proto(self, example: Any) -> None:
        event = joined(example)
        value, content_type = example.CODEC.encode(notification_message(event))
        assert content_type == PROTOBUF
        assert value == event.proto().SerializeToString()

    def test_protobuf_record_decodes_to_an_equal_event(self, example: Any) -> None:
        event = joined(example)
        value, content_type = example.CODEC.encode(notification_message(event))
        assert example.CODEC.decode(value, content_type, example.UserJoined) == event

    def test_unregistered_event_stays_json(self, example: Any) -> None:
        value, content_type = Codec().encode(notification_message(joined(example)))
        assert content_type == JSON
        assert value.startswith(b'{"event_id":')

    def test_protobuf_record_without_a_registered_class_is_refused(self, example: Any) -> None:
        value, _ = example.CODEC.encode(notification_message(joined(example)))
        with pytest.raises(DeserializeError, match="no protobuf message class"):
            Codec().decode(value, PROTOBUF, example.UserJoined)

    def test_corrupt_protobuf_raises_deserialize_error(self, example: Any) -> None:
        with pytest.raises(DeserializeError, match="cannot deserialize UserJoined") as caught:
            example.CODEC.decode(b"\xff\xff\xff", PROTOBUF, example.UserJoined)
        assert caught.value.data == b"\xff\xff\xff"


@pytest.mark.services
class TestProtobufExample:
    def test_example_publishes_and_consumes_protobuf(self, kafka_bootstrap: str) -> None:
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / "kafka_protobuf.py")],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
            env={
                **os.environ,
                "CQRS_KAFKA_BOOTSTRAP": kafka_bootstrap,
                "CQRS_KAFKA_IDEMPOTENCE": "false",
                "CQRS_EXAMPLE_TOPIC": f"cqrs-example-{uuid.uuid4().hex[:8]}",
            },
        )
        assert result.returncode == 0, result.stderr
        assert "as protobuf" in result.stdout
        assert "consumed   -> u-1 joined m-7 (same event: True)" in result.stdout
