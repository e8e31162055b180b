"""Dead letters: a record that cannot be handled goes, unchanged, to a dead-letter topic.

The copy keeps the record's key, value and headers and adds the reason and the
source position, so an operator can inspect it and, once the cause is fixed,
produce it back to its topic:

- `cqrs-dlq-error`: the error type and message (at most 1,000 characters);
- `cqrs-dlq-topic`, `cqrs-dlq-partition`, `cqrs-dlq-offset`: where it came from;
- `cqrs-dlq-group`: the consumer group that gave up; `cqrs-dlq-attempts`: how
  many times its handlers ran (0 when it could not be decoded or routed).
"""

from __future__ import annotations

from typing import Any

from aiokafka.errors import KafkaError as AIOKafkaError

from cqrs.kafka.exceptions import KafkaPublishError

__all__ = [
    "ATTEMPTS_HEADER",
    "ERROR_HEADER",
    "GROUP_HEADER",
    "OFFSET_HEADER",
    "PARTITION_HEADER",
    "TOPIC_HEADER",
    "DeadLetterPublisher",
]

ERROR_HEADER = "cqrs-dlq-error"
TOPIC_HEADER = "cqrs-dlq-topic"
PARTITION_HEADER = "cqrs-dlq-partition"
OFFSET_HEADER = "cqrs-dlq-offset"
GROUP_HEADER = "cqrs-dlq-group"
ATTEMPTS_HEADER = "cqrs-dlq-attempts"
_OWN = {ERROR_HEADER, TOPIC_HEADER, PARTITION_HEADER, OFFSET_HEADER, GROUP_HEADER, ATTEMPTS_HEADER}
_MAX_ERROR = 1000


class DeadLetterPublisher:
    """Copies poison records to `topic_template.format(topic=<source topic>)`."""

    __slots__ = ("group_id", "producer", "topic_template")

    def __init__(self, producer: Any, topic_template: str, group_id: str) -> None:
        self.producer: Any = producer
        self.topic_template: str = topic_template
        self.group_id: str = group_id

    def topic_for(self, source_topic: str) -> str:
        """The dead-letter topic of records read from `source_topic`."""
        return self.topic_template.format(topic=source_topic)

    async def publish(self, record: Any, error: BaseException, attempts: int) -> None:
        """Produce the copy and wait for Kafka's acknowledgement.

        Raises `KafkaPublishError` when Kafka does not take it: the consumer then
        stops without committing the record, which is delivered again later.
        """
        reason = f"{type(error).__qualname__}: {error}"[:_MAX_ERROR]
        headers = [(name, value) for name, value in record.headers if name not in _OWN]
        headers += [
            (ERROR_HEADER, reason.encode()),
            (TOPIC_HEADER, record.topic.encode()),
            (PARTITION_HEADER, str(record.partition).encode()),
            (OFFSET_HEADER, str(record.offset).encode()),
            (GROUP_HEADER, self.group_id.encode()),
            (ATTEMPTS_HEADER, str(attempts).encode()),
        ]
        topic = self.topic_for(record.topic)
        try:
            await self.producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
        except AIOKafkaError as exc:
            raise KafkaPublishError(
                f"cannot dead-letter record {record.topic}[{record.partition}]@{record.offset} "
                f"to {topic!r}: {type(exc).__name__}: {exc}. The consumer stops without "
                "committing it, so it is delivered again once Kafka takes the copy",
                topic=topic,
                message_id=f"{record.topic}:{record.partition}:{record.offset}",
            ) from exc
