"""The Redis breaker storage when Redis hangs, is gone, or comes back, on real sockets.

A hung Redis is a local TCP server that accepts and never replies; a gone one is
a closed port; an outage of a real Redis is a TCP proxy to it that can be cut.
The backoff is paced by a test clock (`Clock`), so no test waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import anyio
import pytest
import redis.asyncio
from aiobreaker import CircuitBreakerState

from cqrs.breaker import AioBreakerAdapter, CircuitOpenError, RedisStorageFactory
from cqrs.breaker.redis_state import CircuitSnapshot, merge_states

# Generous bounds: what they catch is a call hanging forever or paying redis-py's
# retries (seconds), not a few milliseconds.
BOUND = 2.0


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SilentServer:
    """Accepts connections, reads what it is sent, never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        with contextlib.suppress(ConnectionError):
            while await reader.read(4096):
                pass
        writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SilentServer]:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            # Close the server side of every connection, so no socket outlives the test.
            for writer in self._writers:
                writer.close()
            for writer in self._writers:
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
            self._server.close()
            await self._server.wait_closed()


class CuttableProxy:
    """Forwards TCP to a real Redis; `cut()` drops every connection and refuses new ones."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._up = True
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._up:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    def cut(self) -> None:
        self._up = False
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    def restore(self) -> None:
        self._up = True

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[CuttableProxy]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self.cut()
            server.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: connections to it are refused


async def ok() -> str:
    return "ok"


async def down() -> str:
    raise ConnectionError("primary is down")


async def fail(adapter: AioBreakerAdapter, times: int) -> None:
    for _ in range(times):
        with contextlib.suppress(ConnectionError):
            await adapter.call("svc", down)


def on_client(client: Any, clock: Clock, prefix: str = "outage", **options: Any) -> Any:
    return RedisStorageFactory(client=client, prefix=prefix, cache_ttl=0, clock=clock, **options)


@contextlib.asynccontextmanager
async def silent_redis(
    clock: Clock, fail_max: int = 5, **options: Any
) -> AsyncIterator[tuple[SilentServer, AioBreakerAdapter]]:
    """An adapter whose Redis (a user's client, no timeouts of its own) never answers."""
    async with SilentServer().running() as server:
        client = redis.asyncio.Redis(port=server.port)
        factory = on_client(client, clock, **options)
        try:
            yield server, AioBreakerAdapter(fail_max=fail_max, storage_factory=factory)
        finally:
            await client.aclose()


@pytest.mark.anyio
class TestRedisThatNeverAnswers:
    async def test_a_call_with_a_users_client_does_not_hang(self) -> None:
        async with silent_redis(Clock()) as (_, adapter):
            with anyio.fail_after(BOUND):
                assert await adapter.call("svc", ok) == "ok"

    async def test_the_timeout_is_configurable(self) -> None:
        factory = RedisStorageFactory(client=object(), timeout=0.01)

        assert factory.link.timeout == 0.01

    async def test_no_new_attempt_is_made_while_backing_off(self) -> None:
        async with silent_redis(Clock()) as (server, adapter):
            with anyio.fail_after(BOUND):
                for _ in range(20):
                    await adapter.call("svc", ok)

            assert server.connections == 1

    async def test_attempts_back_off_exponentially(self) -> None:
        clock = Clock()
        async with silent_redis(clock, backoff=1.0, max_backoff=60.0) as (server, adapter):
            seen = []
            with anyio.fail_after(BOUND):
                for step in (0.0, 0.9, 0.1, 1.9, 0.1, 3.9, 0.1):
                    clock.now += step
                    await adapter.call("svc", ok)
                    seen.append(server.connections)

            # Attempts at t=0, 1 (after 1 s), 3 (after 2 s), 7 (after 4 s).
            assert seen == [1, 1, 2, 2, 3, 3, 4]

    async def test_circuits_failing_together_double_the_backoff_once(self) -> None:
        clock = Clock()
        async with silent_redis(clock, backoff=1.0, max_backoff=60.0) as (server, adapter):
            with anyio.fail_after(BOUND):
                async with anyio.create_task_group() as group:
                    for name in ("a", "b", "c", "d"):
                        group.start_soon(adapter.call, name, ok)
                assert server.connections == 4
                clock.now += 1.0  # the first backoff, not 2**4 of it

                await adapter.call("a", ok)

            assert server.connections == 5

    async def test_one_warning_for_an_outage_of_several_circuits(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        clock = Clock()
        caplog.set_level(logging.DEBUG, logger="cqrs.breaker")
        async with silent_redis(clock, fail_max=100) as (_, adapter):
            # Nine commands each wait out the 0.05 s timeout (0.45 s in all); under a
            # loaded machine and asyncio's debug mode that took over 2 s once. Paying
            # redis-py's retries instead would cost seconds per command.
            with anyio.fail_after(3 * BOUND):
                for _ in range(3):
                    clock.now += 60
                    for name in ("a", "b", "c"):
                        await adapter.call(name, ok)

        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "did not answer within 0.05 s" in warnings[0].getMessage()


@pytest.mark.anyio
class TestRedisGone:
    async def test_a_users_client_with_default_retries_costs_one_bounded_attempt(self) -> None:
        client = redis.asyncio.Redis(port=closed_port())  # redis-py retries: seconds
        adapter = AioBreakerAdapter(storage_factory=on_client(client, Clock()))

        with anyio.fail_after(BOUND):
            for _ in range(20):
                assert await adapter.call("svc", ok) == "ok"
        await client.aclose()

    async def test_a_url_factory_costs_one_bounded_attempt(self) -> None:
        factory = RedisStorageFactory(f"redis://127.0.0.1:{closed_port()}/0", cache_ttl=0)
        adapter = AioBreakerAdapter(storage_factory=factory)

        with anyio.fail_after(BOUND):
            for _ in range(20):
                assert await adapter.call("svc", ok) == "ok"
        await factory.aclose()


class Outage:
    """Two processes on one real Redis: `cut_off` reaches it through a proxy that the
    test cuts and restores (its backoff paced by `clock`), `other` directly."""

    def __init__(
        self,
        proxy: CuttableProxy,
        clock: Clock,
        cut_off: AioBreakerAdapter,
        other: AioBreakerAdapter,
    ) -> None:
        self.proxy = proxy
        self.clock = clock
        self.cut_off = cut_off
        self.other = other

    def restore(self) -> None:
        self.proxy.restore()
        self.clock.now += 60  # past any backoff


@contextlib.asynccontextmanager
async def outage(url: str, prefix: str, fail_max: int) -> AsyncIterator[Outage]:
    target = urlparse(url)
    proxy = CuttableProxy(target.hostname or "127.0.0.1", target.port or 6379)
    async with proxy.running():
        clock = Clock()
        client = redis.asyncio.Redis(port=proxy.port)
        # Generous timeouts: a cut proxy is detected by its timeout once (the backoff then
        # keeps calls local), and a loaded CI machine can exceed the 50 ms default on a
        # healthy Redis, which would turn "Redis answered" into "Redis is down".
        direct = RedisStorageFactory(url, prefix=prefix, cache_ttl=0, timeout=1.0)
        cut_off = on_client(client, clock, prefix=prefix, timeout=1.0)
        scene = Outage(
            proxy,
            clock,
            AioBreakerAdapter(fail_max=fail_max, storage_factory=cut_off),
            AioBreakerAdapter(fail_max=fail_max, storage_factory=direct),
        )
        try:
            yield scene
        finally:
            await client.aclose()
            await direct.aclose()


@pytest.mark.anyio
@pytest.mark.services
class TestReconnection:
    async def test_a_circuit_opened_during_the_outage_stays_open_after_it(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        async with outage(redis_url, redis_prefix, fail_max=2) as scene:
            await scene.cut_off.call("svc", ok)
            scene.proxy.cut()
            await fail(scene.cut_off, 2)
            assert scene.cut_off.circuit("svc").state == "open"
            assert await scene.other.call("svc", ok) == "ok"  # Redis never heard of it

            scene.restore()
            with pytest.raises(CircuitOpenError):
                await scene.cut_off.call("svc", ok)

            with pytest.raises(CircuitOpenError):
                await scene.other.call("svc", ok)

    async def test_a_copy_unchanged_during_the_outage_follows_redis(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        async with outage(redis_url, redis_prefix, fail_max=1) as scene:
            await scene.cut_off.call("svc", ok)
            scene.proxy.cut()
            await scene.cut_off.call("svc", ok)  # notices the outage, changes nothing
            await fail(scene.other, 1)  # opened by another process meanwhile

            scene.restore()

            with pytest.raises(CircuitOpenError):
                await scene.cut_off.call("svc", ok)


OPEN, CLOSED = CircuitBreakerState.OPEN, CircuitBreakerState.CLOSED
T0 = datetime(2026, 1, 1)


class TestMergeStates:
    def test_an_opening_during_the_outage_wins_over_closed(self) -> None:
        merged = merge_states(CircuitSnapshot(OPEN, 3, T0), CircuitSnapshot(CLOSED, 0, None))

        assert merged == CircuitSnapshot(OPEN, 3, T0)

    def test_an_open_hash_wins_over_a_closed_copy(self) -> None:
        merged = merge_states(CircuitSnapshot(CLOSED, 0, None), CircuitSnapshot(OPEN, 2, T0))

        assert merged == CircuitSnapshot(OPEN, 2, T0)

    def test_of_two_openings_the_later_wins(self) -> None:
        later = T0 + timedelta(seconds=5)

        assert merge_states(
            CircuitSnapshot(OPEN, 1, later), CircuitSnapshot(OPEN, 2, T0)
        ) == CircuitSnapshot(OPEN, 2, later)
        assert merge_states(
            CircuitSnapshot(OPEN, 1, T0), CircuitSnapshot(OPEN, 2, later)
        ) == CircuitSnapshot(OPEN, 2, later)

    def test_failures_are_the_larger_count(self) -> None:
        merged = merge_states(CircuitSnapshot(CLOSED, 4, None), CircuitSnapshot(CLOSED, 1, None))

        assert merged.counter == 4
