"""`cqrs.message_brokers.from_url`: brokers chosen by URL, and the demo's `CQRS_BROKER_URL`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import cqrs
from cqrs.kafka import KafkaConfigurationError, KafkaMessageBroker
from cqrs.message_brokers import UnknownBrokerSchemeError, from_url
from cqrs.message_brokers.devnull import DevnullMessageBroker
from cqrs.message_brokers.memory import InMemoryMessageBroker

ROOT = Path(__file__).resolve().parents[2]


class TestFromUrl:
    def test_memory_scheme(self) -> None:
        assert isinstance(from_url("memory://"), InMemoryMessageBroker)

    def test_devnull_scheme(self) -> None:
        assert isinstance(from_url("devnull://"), DevnullMessageBroker)

    def test_kafka_scheme_with_hosts_and_options(self) -> None:
        broker = from_url("kafka://h1:9092,h2:9093?acks=1&enable_idempotence=false&client_id=app")
        assert isinstance(broker, KafkaMessageBroker)
        assert broker.producer.bootstrap_servers == ["h1:9092", "h2:9093"]
        assert broker.producer.acks == 1
        assert not broker.producer.enable_idempotence

    def test_kafka_defaults_to_acks_all_and_idempotence(self) -> None:
        broker = from_url("kafka://localhost:9092")
        assert isinstance(broker, KafkaMessageBroker)
        assert (broker.producer.acks, broker.producer.enable_idempotence) == ("all", True)

    def test_kafka_unknown_option_is_refused(self) -> None:
        with pytest.raises(KafkaConfigurationError, match="unknown option"):
            from_url("kafka://localhost:9092?ack=all")

    def test_unknown_scheme_names_what_to_install(self) -> None:
        with pytest.raises(UnknownBrokerSchemeError, match="'rabbit'") as caught:
            from_url("rabbit://localhost")
        assert isinstance(caught.value, cqrs.CQRSError)
        assert "installed: devnull, kafka, memory" in str(caught.value)

    def test_a_known_but_missing_distribution_is_named(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from cqrs.message_brokers import url

        monkeypatch.setattr(url, "_registered", dict)  # as if cqrs-kafka were not installed
        with pytest.raises(UnknownBrokerSchemeError, match="pip install cqrs-kafka"):
            from_url("kafka://localhost:9092")

    def test_url_without_scheme_is_refused(self) -> None:
        with pytest.raises(UnknownBrokerSchemeError, match="has no scheme"):
            from_url("localhost:9092")


@pytest.mark.services
class TestDemoBrokerSwitch:
    def test_demo_publishes_to_kafka_when_the_url_says_so(self, kafka: Any) -> None:
        import anyio

        url = f"kafka://{kafka.bootstrap}?enable_idempotence=false"
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "demo.py")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "CQRS_BROKER_URL": url},
        )
        assert result.returncode == 0, result.stderr
        [record] = anyio.run(kafka.read, "orders", 1)
        assert json.loads(record.value)["payload"] == {"order_id": "ord-1", "amount": 99.99}


class TestKafkaUrlErrors:
    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("kafka://", "no Kafka bootstrap server"),
            ("kafka://h:9092?acks=some", "acks must be an integer"),
            ("kafka://h:9092?enable_idempotence=perhaps", "must be true or false"),
            ("kafka://h:9092?linger_ms=soon", "linger_ms must be an integer"),
        ],
    )
    def test_bad_urls_say_what_is_wrong(self, url: str, message: str) -> None:
        with pytest.raises(KafkaConfigurationError, match=message):
            from_url(url)

    def test_credentials_and_integer_options_are_read(self) -> None:
        from cqrs.kafka.url import producer_from_url

        producer = producer_from_url("kafka://app:s%40cret@h:9092?linger_ms=5&acks=all")
        assert producer.bootstrap_servers == ["h:9092"]

    def test_only_kafka_urls_make_kafka_producers(self) -> None:
        from cqrs.kafka.url import producer_from_url

        with pytest.raises(KafkaConfigurationError, match="expected a kafka:// URL"):
            producer_from_url("memory://")
