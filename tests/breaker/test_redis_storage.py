"""RedisCircuitStorage on a fake redis.asyncio client: when it talks to Redis, and what it sends.

The real thing is exercised in test_redis.py; here a fake counts round trips, so the
claims of the module docstring (no round trip for a call that changes nothing, one
refresh per cache_ttl, one pipeline per call that writes) are checked exactly.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import pytest

from cqrs.breaker import (
    AioBreakerAdapter,
    BreakerConfigurationError,
    CircuitOpenError,
    RedisStorageFactory,
)


class FakePipeline:
    def __init__(self, redis: FakeRedis) -> None:
        self._redis = redis
        self._ops: list[tuple[str, tuple[Any, ...]]] = []

    def hincrby(self, key: str, field: str, amount: int) -> None:
        self._ops.append(("hincrby", (key, field, amount)))

    def hset(self, key: str, field: str, value: Any) -> None:
        self._ops.append(("hset", (key, field, value)))

    def hgetall(self, key: str) -> None:
        self._ops.append(("hgetall", (key,)))

    async def execute(self) -> list[Any]:
        self._redis.round_trips += 1
        self._redis.check()
        return [getattr(self._redis, f"_{op}")(*args) for op, args in self._ops]


class FakeRedis:
    """The part of redis.asyncio.Redis the storage uses; bytes responses like the real one."""

    def __init__(self) -> None:
        self.hashes: dict[str, dict[bytes, bytes]] = {}
        self.round_trips = 0
        self.down = False

    def check(self) -> None:
        if self.down:
            raise ConnectionError("Connection refused")

    def pipeline(self, transaction: bool = True) -> FakePipeline:
        assert transaction
        return FakePipeline(self)

    async def hgetall(self, key: str) -> dict[bytes, bytes]:
        self.round_trips += 1
        self.check()
        return self._hgetall(key)

    def _hgetall(self, key: str) -> dict[bytes, bytes]:
        return dict(self.hashes.get(key, {}))

    def _hset(self, key: str, field: str, value: Any) -> int:
        self.hashes.setdefault(key, {})[field.encode()] = str(value).encode()
        return 1

    def _hincrby(self, key: str, field: str, amount: int) -> int:
        fields = self.hashes.setdefault(key, {})
        fields[field.encode()] = str(int(fields.get(field.encode(), b"0")) + amount).encode()
        return int(fields[field.encode()])

    def field(self, key: str, name: str) -> str | None:
        value = self.hashes.get(key, {}).get(name.encode())
        return None if value is None else value.decode()


async def ok() -> str:
    return "ok"


async def down() -> str:
    raise ConnectionError("primary is down")


class Clock:
    """Monotonic seconds that move only when a test says so (paces the link's backoff)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def adapter_on(
    redis: FakeRedis, cache_ttl: float = 10.0, fail_max: int = 2, clock: Clock | None = None
) -> AioBreakerAdapter:
    factory = RedisStorageFactory(
        client=redis, prefix="t", cache_ttl=cache_ttl, clock=clock or Clock()
    )
    return AioBreakerAdapter(fail_max=fail_max, storage_factory=factory)


class TestRoundTrips:
    @pytest.mark.anyio
    async def test_successful_calls_within_cache_ttl_cost_one_round_trip_in_all(self) -> None:
        redis = FakeRedis()
        adapter = adapter_on(redis)

        for _ in range(100):
            await adapter.call("svc", ok)

        assert redis.round_trips == 1  # the first refresh

    @pytest.mark.anyio
    async def test_cache_ttl_zero_refreshes_before_every_call(self) -> None:
        redis = FakeRedis()
        adapter = adapter_on(redis, cache_ttl=0)

        for _ in range(5):
            await adapter.call("svc", ok)

        assert redis.round_trips == 5

    @pytest.mark.anyio
    async def test_a_failure_is_sent_in_one_pipeline(self) -> None:
        redis = FakeRedis()
        adapter = adapter_on(redis, fail_max=3)
        await adapter.call("svc", ok)

        with contextlib.suppress(ConnectionError):
            await adapter.call("svc", down)

        assert (redis.round_trips, redis.field("t:svc", "counter")) == (2, "1")

    @pytest.mark.anyio
    async def test_opening_writes_state_and_opening_time(self) -> None:
        redis = FakeRedis()
        adapter = adapter_on(redis, fail_max=1)
        before = time.time()

        with contextlib.suppress(ConnectionError):
            await adapter.call("svc", down)

        assert redis.field("t:svc", "state") == "OPEN"
        assert before - 0.01 <= float(redis.field("t:svc", "opened_at") or 0) <= time.time()


class TestSharedState:
    @pytest.mark.anyio
    async def test_an_opening_written_elsewhere_is_seen_after_a_refresh(self) -> None:
        redis = FakeRedis()
        redis.hashes["t:svc"] = {
            b"state": b"OPEN",
            b"counter": b"2",
            b"opened_at": str(time.time()).encode(),
        }

        with pytest.raises(CircuitOpenError):
            await adapter_on(redis, cache_ttl=0).call("svc", ok)

    @pytest.mark.anyio
    async def test_failures_add_up_with_those_written_elsewhere(self) -> None:
        redis = FakeRedis()
        redis.hashes["t:svc"] = {b"state": b"CLOSED", b"counter": b"2"}
        adapter = adapter_on(redis, fail_max=3, cache_ttl=0)

        with contextlib.suppress(ConnectionError):
            await adapter.call("svc", down)

        assert adapter.circuit("svc").state == "open"

    @pytest.mark.anyio
    async def test_text_responses_are_read_too(self) -> None:
        redis = FakeRedis()
        adapter = adapter_on(redis, cache_ttl=0)

        async def text_hgetall(key: str) -> dict[str, str]:
            return {"state": "OPEN", "counter": "2", "opened_at": str(time.time())}

        redis.hgetall = text_hgetall  # type: ignore[method-assign,assignment]

        with pytest.raises(CircuitOpenError):
            await adapter.call("svc", ok)


class TestRedisDown:
    @pytest.mark.anyio
    async def test_calls_go_on_with_the_local_copy(self) -> None:
        redis = FakeRedis()
        redis.down = True

        assert await adapter_on(redis).call("svc", ok) == "ok"

    @pytest.mark.anyio
    async def test_the_circuit_still_opens_locally(self) -> None:
        redis = FakeRedis()
        redis.down = True
        adapter = adapter_on(redis, fail_max=2, cache_ttl=0)
        for _ in range(2):
            with contextlib.suppress(ConnectionError):
                await adapter.call("svc", down)

        with pytest.raises(CircuitOpenError):
            await adapter.call("svc", ok)

    @pytest.mark.anyio
    async def test_the_outage_is_logged_once_at_warning(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        redis = FakeRedis()
        redis.down = True
        adapter = adapter_on(redis, fail_max=10, cache_ttl=0)
        caplog.set_level(logging.DEBUG, logger="cqrs.breaker")

        for _ in range(3):
            with contextlib.suppress(ConnectionError):
                await adapter.call("svc", down)

        assert [(r.levelno, "did not answer" in r.getMessage()) for r in caplog.records] == [
            (logging.WARNING, True)
        ]

    @pytest.mark.anyio
    async def test_recovery_is_logged_once(self, caplog: pytest.LogCaptureFixture) -> None:
        redis = FakeRedis()
        redis.down = True
        clock = Clock()
        adapter = adapter_on(redis, cache_ttl=0, clock=clock)
        await adapter.call("svc", ok)
        redis.down = False
        clock.now += 60  # past the backoff
        caplog.clear()

        await adapter.call("svc", ok)
        await adapter.call("svc", ok)

        assert [r.getMessage() for r in caplog.records] == [
            "circuit breaker storage t: Redis answers again"
        ]


class TestFactory:
    def test_needs_a_url_or_a_client(self) -> None:
        with pytest.raises(BreakerConfigurationError, match="url or a client"):
            RedisStorageFactory()

    def test_refuses_both_a_url_and_a_client(self) -> None:
        with pytest.raises(BreakerConfigurationError, match="exactly one"):
            RedisStorageFactory("redis://127.0.0.1", client=FakeRedis())

    @pytest.mark.parametrize("value", [-1, "0.5", True])
    def test_refuses_a_bad_cache_ttl(self, value: Any) -> None:
        with pytest.raises(BreakerConfigurationError, match="cache_ttl"):
            RedisStorageFactory(client=FakeRedis(), cache_ttl=value)

    def test_keys_are_namespaced_by_prefix_and_circuit_name(self) -> None:
        storage = RedisStorageFactory(client=FakeRedis(), prefix="app:cb")("orders.Primary")

        assert storage.key == "app:cb:orders.Primary"
