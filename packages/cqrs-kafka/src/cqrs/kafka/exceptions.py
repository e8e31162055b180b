"""The exception tree of cqrs-kafka, rooted at `cqrs.CQRSError`.

aiokafka's errors never reach callers unchanged: they are raised as one of these,
chained (`from`) to the original, so `except cqrs.CQRSError` covers a Kafka outage.
"""

from __future__ import annotations

from cqrs.exceptions import ConfigurationError, CQRSError

__all__ = [
    "KafkaConfigurationError",
    "KafkaConnectionError",
    "KafkaError",
    "KafkaPublishError",
    "UnknownMessageTypeError",
]


class KafkaError(CQRSError):
    """Root of the errors raised by cqrs-kafka."""


class KafkaConfigurationError(KafkaError, ConfigurationError, ValueError):
    """A producer, broker or consumer was given an argument it cannot use."""


class KafkaConnectionError(KafkaError, ConnectionError):
    """The Kafka cluster could not be reached (start, metadata or commit)."""


class KafkaPublishError(KafkaError):
    """A message was not acknowledged by Kafka: it may not have been published.

    `topic` and `message_id` name the message, so the caller (the outbox relay)
    can retry it; the aiokafka error is chained as `__cause__`.
    """

    def __init__(self, message: str, *, topic: str, message_id: str) -> None:
        super().__init__(message)
        self.topic: str = topic
        self.message_id: str = message_id


class UnknownMessageTypeError(KafkaError, LookupError):
    """A consumed message names an event type the consumer was not given."""
