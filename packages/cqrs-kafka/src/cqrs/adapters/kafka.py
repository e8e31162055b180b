"""The documented path of the Kafka producer factory: `from cqrs.adapters import kafka`."""

from __future__ import annotations

from cqrs.kafka.producer import KafkaProducer, kafka_producer_factory

__all__ = ["KafkaProducer", "kafka_producer_factory"]
