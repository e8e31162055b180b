"""The Kafka examples run against the test broker (and PostgreSQL), and print what they promise."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.services

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
POSTGRES_DSN = os.environ.get(
    "CQRS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def run_example(name: str, bootstrap: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **os.environ,
            "CQRS_KAFKA_BOOTSTRAP": bootstrap,
            "CQRS_KAFKA_IDEMPOTENCE": "false",  # tansu refuses producer ids
            **env,
        },
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def postgres_dsn() -> str:
    from sqlalchemy import make_url

    url = make_url(POSTGRES_DSN)
    try:
        socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1).close()
    except OSError as exc:
        reason = f"PostgreSQL at {url.host}:{url.port} is unreachable ({exc})"
        if os.environ.get("CQRS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (CQRS_REQUIRE_SERVICES=1: services are required)")
        pytest.skip(reason)
    return POSTGRES_DSN


class TestEndToEnd:
    def test_command_to_read_model_through_outbox_and_kafka(
        self, kafka_bootstrap: str, postgres_dsn: str
    ) -> None:
        out = run_example(
            "kafka_end_to_end.py",
            kafka_bootstrap,
            CQRS_OUTBOX_DSN=postgres_dsn,
            CQRS_EXAMPLE_SUFFIX=uuid.uuid4().hex[:10],
        )
        assert "relayed    -> 3 events" in out
        assert out.splitlines()[-3:] == [
            "read model -> ord-1: 10.50",
            "read model -> ord-2: 20.00",
            "read model -> ord-3: 7.25",
        ]


class TestFastStream:
    def test_faststream_subscriber_decodes_with_json_deserializer(
        self, kafka_bootstrap: str
    ) -> None:
        out = run_example(
            "kafka_faststream.py",
            kafka_bootstrap,
            CQRS_EXAMPLE_TOPIC=f"cqrs-hello-{uuid.uuid4().hex[:8]}",
        )
        assert "handled    -> Hello World" in out
