"""placeholder"""

from __future__ import annotations


class KafkaEventConsumer:
    pass
