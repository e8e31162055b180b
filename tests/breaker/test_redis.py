"""Circuits shared across processes through a real Redis (two adapters stand for two processes).

Each test uses keys under its own prefix (`redis_prefix`), deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
import redis.asyncio

from cqrs.breaker import (
    AioBreakerAdapter,
    BreakerConfigurationError,
    CircuitOpenError,
    RedisStorageFactory,
    blocking_redis_storage_factory,
)

SHORT = 0.2
PAST_SHORT = 0.3

pytestmark = pytest.mark.services


class Primary:
    def __init__(self) -> None:
        self.calls = 0

    async def ok(self) -> str:
        self.calls += 1
        return "ok"

    async def down(self) -> str:
        self.calls += 1
        raise ConnectionError("primary is down")


async def fail(adapter: AioBreakerAdapter, times: int = 1) -> None:
    for _ in range(times):
        with contextlib.suppress(ConnectionError):
            await adapter.call("svc", Primary().down)


SLOW_MACHINE = 2.0  # seconds a healthy Redis may take to answer on a loaded test machine


@contextlib.asynccontextmanager
async def processes(
    url: str, prefix: str, count: int = 2, cache_ttl: float = 0.0, **options: Any
) -> AsyncIterator[list[AioBreakerAdapter]]:
    """`count` adapters, each with its own client: what `count` processes would have."""
    # A generous timeout: these tests are about shared state, not about the 50 ms default,
    # which a loaded CI machine can exceed on a healthy Redis.
    factories = [
        RedisStorageFactory(url, prefix=prefix, cache_ttl=cache_ttl, timeout=SLOW_MACHINE)
        for _ in range(count)
    ]
    try:
        yield [AioBreakerAdapter(storage_factory=factory, **options) for factory in factories]
    finally:
        for factory in factories:
            await factory.aclose()


class TestRedisStorageFactory:
    @pytest.mark.anyio
    async def test_a_circuit_opened_by_one_process_is_open_in_the_other(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        async with processes(redis_url, redis_prefix, fail_max=2) as (first, second):
            await fail(first, 2)
            primary = Primary()

            with pytest.raises(CircuitOpenError):
                await second.call("svc", primary.ok)
            assert primary.calls == 0

    @pytest.mark.anyio
    async def test_failures_of_both_processes_add_up(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        async with processes(redis_url, redis_prefix, fail_max=2) as (first, second):
            await fail(first)
            await fail(second)

            assert second.circuit("svc").state == "open"

    @pytest.mark.anyio
    async def test_a_trial_in_one_process_closes_the_circuit_for_both(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        async with processes(redis_url, redis_prefix, fail_max=1, timeout_duration=SHORT) as (
            first,
            second,
        ):
            await fail(first)
            await asyncio.sleep(PAST_SHORT)
            await second.call("svc", Primary().ok)
            primary = Primary()

            await first.call("svc", primary.ok)

            assert (primary.calls, first.circuit("svc").state) == (1, "closed")

    @pytest.mark.anyio
    async def test_an_opening_is_not_seen_within_cache_ttl(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        """The staleness window: a process that read the state recently keeps using it."""
        # A cache_ttl no test run outlasts: the stale read cannot depend on timing.
        async with processes(redis_url, redis_prefix, fail_max=1, cache_ttl=600) as (
            first,
            second,
        ):
            await second.call("svc", Primary().ok)  # reads the closed circuit
            await fail(first)
            primary = Primary()

            await second.call("svc", primary.ok)

            assert primary.calls == 1

    @pytest.mark.anyio
    async def test_an_opening_is_seen_after_cache_ttl(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        async with processes(redis_url, redis_prefix, fail_max=1, cache_ttl=SHORT) as (
            first,
            second,
        ):
            await second.call("svc", Primary().ok)  # reads the closed circuit
            await fail(first)
            await asyncio.sleep(PAST_SHORT)  # a sleep never ends early: the copy has expired
            primary = Primary()

            with pytest.raises(CircuitOpenError):
                await second.call("svc", primary.ok)
            assert primary.calls == 0

    @pytest.mark.anyio
    async def test_the_circuit_is_one_hash_under_the_prefix(
        self, redis_url: str, redis_prefix: str, sync_redis: Any
    ) -> None:
        async with processes(redis_url, redis_prefix, count=1, fail_max=1) as (only,):
            await fail(only)

        fields = sync_redis.hgetall(f"{redis_prefix}:svc")
        assert (fields[b"state"], fields[b"counter"]) == (b"OPEN", b"1")
        assert float(fields[b"opened_at"]) > 0


class TestBlockingRedisStorage:
    """aiobreaker's own CircuitRedisStorage, as python-cqrs documents it."""

    @pytest.mark.anyio
    async def test_a_circuit_opened_by_one_process_is_open_in_the_other(
        self, redis_prefix: str, sync_redis: Any, redis_url: str
    ) -> None:
        other_client = redis.Redis.from_url(redis_url)
        try:
            first = AioBreakerAdapter(
                fail_max=2, storage_factory=blocking_redis_storage_factory(sync_redis, redis_prefix)
            )
            second = AioBreakerAdapter(
                fail_max=2,
                storage_factory=blocking_redis_storage_factory(other_client, redis_prefix),
            )
            await fail(first, 2)

            with pytest.raises(CircuitOpenError):
                await second.call("svc", Primary().ok)
        finally:
            other_client.close()

    @pytest.mark.anyio
    async def test_an_async_client_is_refused(self, redis_url: str) -> None:
        client = redis.asyncio.Redis.from_url(redis_url)
        try:
            with pytest.raises(BreakerConfigurationError, match="synchronous"):
                blocking_redis_storage_factory(client)
        finally:
            await client.aclose()


class TestUnreachableRedis:
    @pytest.mark.anyio
    async def test_calls_go_on_when_redis_does_not_answer(self) -> None:
        factory = RedisStorageFactory("redis://127.0.0.1:1/0")  # nothing listens on port 1
        adapter = AioBreakerAdapter(fail_max=1, storage_factory=factory)
        try:
            await fail(adapter)

            with pytest.raises(CircuitOpenError):
                await adapter.call("svc", Primary().ok)
        finally:
            await factory.aclose()
