"""`KafkaProducer`: producer settings now, an aiokafka producer at `start()`.

aiokafka binds a producer to the running event loop when it is built, so the
seeds' `kafka_producer_factory(dsn=...)`, called at import or wiring time, only
records and checks the settings; the aiokafka producer is created by `start()`,
inside the loop that uses it.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError

from cqrs.kafka.exceptions import KafkaConfigurationError, KafkaConnectionError

__all__ = ["Acks", "KafkaProducer", "kafka_producer_factory", "split_servers"]

Acks = Literal["all", 0, 1, -1]
_ACKS: tuple[object, ...] = ("all", 0, 1, -1)
_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")


def split_servers(dsn: str | Sequence[str]) -> list[str]:
    """`"h1:9092,h2:9092"` or a list of `host:port` strings, as a checked list."""
    servers = dsn.split(",") if isinstance(dsn, str) else list(dsn)
    servers = [server.strip() for server in servers if server.strip()]
    if not servers:
        raise KafkaConfigurationError(
            f"no Kafka bootstrap server in {dsn!r}: pass dsn='host:port' or 'h1:9092,h2:9092'"
        )
    return servers


class KafkaProducer:
    """An aiokafka producer with checked settings, built and started by `start()`.

    `acks="all"` (the default) waits for every in-sync replica. Idempotence
    (`enable_idempotence=True`, the default) lets Kafka drop the duplicates of
    a retried send; it needs `acks="all"`. Brokers that refuse producer ids
    (the `tansu` broker used by the tests) need `enable_idempotence=False`.
    `options` go to `aiokafka.AIOKafkaProducer` unchanged (e.g. `linger_ms`).
    """

    def __init__(
        self,
        bootstrap_servers: str | Sequence[str],
        *,
        topics: Sequence[str] = (),
        acks: Acks = "all",
        enable_idempotence: bool = True,
        security_protocol: str = "PLAINTEXT",
        sasl_mechanism: str = "PLAIN",
        ssl_context: ssl.SSLContext | None = None,
        user: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        if acks not in _ACKS:
            raise KafkaConfigurationError(f"acks must be one of {_ACKS}, got {acks!r}")
        if enable_idempotence and acks not in ("all", -1):
            raise KafkaConfigurationError(
                f"enable_idempotence=True needs acks='all', got acks={acks!r}: "
                "use acks='all' or pass enable_idempotence=False"
            )
        if security_protocol not in _PROTOCOLS:
            raise KafkaConfigurationError(
                f"security_protocol must be one of {_PROTOCOLS}, got {security_protocol!r}"
            )
        self.bootstrap_servers: list[str] = split_servers(bootstrap_servers)
        self.topics: tuple[str, ...] = tuple(topics)
        self.acks: Acks = acks
        self.enable_idempotence: bool = enable_idempotence
        self._settings: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "acks": acks,
            "enable_idempotence": enable_idempotence,
            "security_protocol": security_protocol,
            "sasl_mechanism": sasl_mechanism,
            "ssl_context": ssl_context,
            "sasl_plain_username": user,
            "sasl_plain_password": password,
            **({"client_id": client_id} if client_id else {}),
            **(options or {}),
        }
        self._producer: AIOKafkaProducer | None = None
        self._lock: asyncio.Lock | None = None

    @property
    def started(self) -> bool:
        """True between a successful `start()` and `stop()`."""
        return self._producer is not None

    @property
    def aiokafka(self) -> Any:
        """The started `aiokafka.AIOKafkaProducer` (for what this class does not cover)."""
        if self._producer is None:
            raise KafkaConnectionError("the Kafka producer is not started: await start() first")
        return self._producer

    async def start(self) -> None:
        """Connect to the cluster (idempotent); `KafkaConnectionError` if it cannot."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._producer is not None:
                return
            producer = AIOKafkaProducer(**self._settings)
            try:
                await producer.start()
                for topic in self.topics:  # warm the metadata of the announced topics
                    await producer.partitions_for(topic)
            except AIOKafkaError as exc:
                await producer.stop()
                raise KafkaConnectionError(
                    f"cannot connect a Kafka producer to {','.join(self.bootstrap_servers)}: "
                    f"{type(exc).__name__}: {exc}. Check that the brokers are up and the "
                    "address, security_protocol and credentials are right"
                ) from exc
            self._producer = producer

    async def stop(self) -> None:
        """Flush what is pending and disconnect (idempotent)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    def __repr__(self) -> str:
        return (
            f"KafkaProducer({','.join(self.bootstrap_servers)!r}, acks={self.acks!r}, "
            f"enable_idempotence={self.enable_idempotence})"
        )


def kafka_producer_factory(
    dsn: str | Sequence[str],
    topics: Sequence[str] | None = None,
    security_protocol: str = "PLAINTEXT",
    sasl_mechanism: str = "PLAIN",
    ssl_context: ssl.SSLContext | None = None,
    user: str | None = None,
    password: str | None = None,
    *,
    acks: Acks = "all",
    enable_idempotence: bool = True,
    **options: Any,
) -> KafkaProducer:
    """A `KafkaProducer` for `KafkaMessageBroker`, as the seeds build it.

    `dsn` is `"host:port"` or `"h1:9092,h2:9092"`; `topics` are looked up when the
    producer starts. Extra keyword arguments go to `aiokafka.AIOKafkaProducer`.
    Nothing connects until the broker (or you) awaits `start()`.
    """
    return KafkaProducer(
        dsn,
        topics=topics or (),
        acks=acks,
        enable_idempotence=enable_idempotence,
        security_protocol=security_protocol,
        sasl_mechanism=sasl_mechanism,
        ssl_context=ssl_context,
        user=user,
        password=password,
        options=options,
    )
