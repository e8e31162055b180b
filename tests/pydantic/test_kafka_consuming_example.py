"""examples/kafka_event_consuming.py: the seeds' FastStream consumer with JsonDeserializer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class TestKafkaConsumingExample:
    def test_event_is_handled_tombstone_and_poison_message_are_skipped(self) -> None:
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "kafka_event_consuming.py")],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert result.stdout.splitlines() == [
            "handled    -> Hello World",
            "acked      -> True",
            "acked      -> True",
            "skipped    -> DecodeError",
            "acked      -> True",
        ]
        assert result.stderr == ""
