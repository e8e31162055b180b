"""cqrs-kafka: publish and consume cqrs events on Kafka (aiokafka).

- `kafka_producer_factory` / `KafkaProducer`: producer settings, connected at `start()`;
- `KafkaMessageBroker`: the core `MessageBroker` (keys, headers, acks, JSON or protobuf);
- `KafkaEventConsumer`: records → events → `EventMediator`, with retries, a
  dead-letter topic, offsets committed after success and an optional inbox;
- `Codec`: the record format (JSON, or protobuf for registered event types).

The documented paths `cqrs.message_brokers.kafka` and `cqrs.adapters.kafka` re-export these.
"""

from __future__ import annotations

from cqrs.kafka.broker import KafkaMessageBroker
from cqrs.kafka.consumer import KafkaEventConsumer
from cqrs.kafka.exceptions import (
    KafkaConfigurationError,
    KafkaConnectionError,
    KafkaError,
    KafkaPublishError,
    UnknownMessageTypeError,
)
from cqrs.kafka.producer import KafkaProducer, kafka_producer_factory
from cqrs.kafka.serialization import JSON, PROTOBUF, Codec

__all__ = [
    "JSON",
    "PROTOBUF",
    "Codec",
    "KafkaConfigurationError",
    "KafkaConnectionError",
    "KafkaError",
    "KafkaEventConsumer",
    "KafkaMessageBroker",
    "KafkaProducer",
    "KafkaPublishError",
    "UnknownMessageTypeError",
    "kafka_producer_factory",
]
