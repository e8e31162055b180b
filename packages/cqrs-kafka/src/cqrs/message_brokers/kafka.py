"""The documented path of the Kafka broker: `from cqrs.message_brokers import kafka`."""

from __future__ import annotations

from cqrs.kafka.broker import KafkaMessageBroker

__all__ = ["KafkaMessageBroker"]
