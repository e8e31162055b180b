"""What a shared (Redis) circuit costs per call, and how long it stalls the event loop.

Compares `AioBreakerAdapter` storages on the same calls:

- memory: the default, nothing shared;
- aiobreaker `CircuitRedisStorage` on a synchronous client (the python-cqrs way,
  `blocking_redis_storage_factory`): every call makes blocking round trips;
- `RedisStorageFactory` (redis.asyncio, local copy refreshed every `cache_ttl`),
  with the default 0.5 s and with 0 (a round trip before every call).

Figures printed:

1. µs per call, sequential: a successful call (closed circuit) and a refused
   call (open circuit), median of the repeats;
2. the event loop under load: 50 concurrent callers whose primary awaits 1 ms
   of I/O (`asyncio.sleep`) for 2 s, and a heartbeat task asking to wake every
   1 ms: calls per second, and how late the heartbeat woke (p50 / p99 / max).
   A storage that blocks shows up as heartbeat lag and lost throughput.

    uv run python bench/breaker_redis.py [--repeats 5] [--calls 2000] [--seconds 2]

Needs Redis at $CQRS_REDIS_URL (default redis://127.0.0.1:6379/0); keys live
under a random prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis

from cqrs.breaker import AioBreakerAdapter, RedisStorageFactory, blocking_redis_storage_factory
from cqrs.breaker.storage import StorageFactory

URL = os.environ.get("CQRS_REDIS_URL", "redis://127.0.0.1:6379/0")
CONCURRENCY = 50
IO_SECONDS = 0.001
TICK = 0.001


async def ok() -> None:
    pass


async def io_call() -> None:
    await asyncio.sleep(IO_SECONDS)


async def down() -> None:
    raise ConnectionError("primary is down")


#: (label, build the storage factory for a key prefix, or None for memory)
Storage = tuple[str, Callable[[str], StorageFactory | None]]


def storages(sync_client: Any) -> list[Storage]:
    return [
        ("memory", lambda prefix: None),
        (
            "aiobreaker CircuitRedisStorage (blocking)",
            lambda prefix: blocking_redis_storage_factory(sync_client, prefix),
        ),
        (
            "RedisStorageFactory cache_ttl=0.5",
            lambda prefix: RedisStorageFactory(URL, prefix=prefix),
        ),
        (
            "RedisStorageFactory cache_ttl=0",
            lambda prefix: RedisStorageFactory(URL, prefix=prefix, cache_ttl=0),
        ),
    ]


async def per_call_us(
    adapter: AioBreakerAdapter, func: Callable[[], Awaitable[None]], n: int
) -> float:
    """Mean µs of `n` sequential calls; errors (a refused call) are part of the call."""
    start = time.perf_counter()
    for _ in range(n):
        with contextlib.suppress(Exception):  # a refused call raises CircuitOpenError
            await adapter.call("bench", func)
    return (time.perf_counter() - start) / n * 1e6


async def open_circuit(adapter: AioBreakerAdapter, identifier: str) -> None:
    for _ in range(adapter.fail_max):
        with contextlib.suppress(ConnectionError):
            await adapter.call(identifier, down)
    assert adapter.circuit(identifier).state == "open"


async def under_load(adapter: AioBreakerAdapter, seconds: float) -> tuple[float, list[float]]:
    """Calls per second of CONCURRENCY callers, and the heartbeat's lateness in ms."""
    deadline = time.perf_counter() + seconds
    calls = 0
    lags: list[float] = []

    async def caller() -> None:
        nonlocal calls
        while time.perf_counter() < deadline:
            await adapter.call("load", io_call)
            calls += 1

    async def heartbeat() -> None:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append((time.perf_counter() - start - TICK) * 1e3)

    start = time.perf_counter()
    await asyncio.gather(heartbeat(), *(caller() for _ in range(CONCURRENCY)))
    return calls / (time.perf_counter() - start), lags


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def main(repeats: int, calls: int, seconds: float) -> None:
    # Opening the bench circuits logs state changes at WARNING; they are not figures.
    logging.getLogger("cqrs.breaker").setLevel(logging.ERROR)
    sync_client = redis.Redis.from_url(URL)
    try:
        sync_client.ping()
    except redis.RedisError as exc:
        raise SystemExit(
            f"Redis at {URL} does not answer ({exc}); start it or set CQRS_REDIS_URL"
        ) from exc
    run_prefix = f"cqrs-bench:{uuid.uuid4().hex}"
    rows: list[tuple[str, float, float, float, list[float]]] = []
    try:
        for index, (label, build) in enumerate(storages(sync_client)):
            factory = build(f"{run_prefix}:{index}")
            adapter = AioBreakerAdapter(fail_max=5, timeout_duration=600, storage_factory=factory)
            await per_call_us(adapter, ok, 200)  # warm up: connections, circuit creation
            await open_circuit(adapter, "bench-open")
            closed = [await per_call_us(adapter, ok, calls) for _ in range(repeats)]
            refused: list[float] = []
            for _ in range(repeats):
                start = time.perf_counter()
                for _ in range(calls):
                    with contextlib.suppress(Exception):
                        await adapter.call("bench-open", ok)
                refused.append((time.perf_counter() - start) / calls * 1e6)
            throughput, lags = await under_load(adapter, seconds)
            rows.append(
                (label, statistics.median(closed), statistics.median(refused), throughput, lags)
            )
            if isinstance(factory, RedisStorageFactory):
                await factory.aclose()
    finally:
        keys = list(sync_client.scan_iter(match=f"{run_prefix}:*"))
        if keys:
            sync_client.delete(*keys)
        sync_client.close()

    print(f"Redis {URL}; {repeats} repeats of {calls} sequential calls; ")
    print(
        f"load: {CONCURRENCY} callers, primary awaits {IO_SECONDS * 1e3:g} ms, "
        f"{seconds:g} s, heartbeat every {TICK * 1e3:g} ms\n"
    )
    header = (
        f"{'storage':<42} {'closed µs/call':>14} {'open µs/call':>12} "
        f"{'load calls/s':>12} {'lag p50 ms':>10} {'p99 ms':>7} {'max ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for label, closed_us, refused_us, throughput, lags in rows:
        print(
            f"{label:<42} {closed_us:>14.1f} {refused_us:>12.1f} {throughput:>12,.0f} "
            f"{percentile(lags, 0.5):>10.2f} {percentile(lags, 0.99):>7.2f} {max(lags):>7.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=2.0)
    options = parser.parse_args()
    asyncio.run(main(options.repeats, options.calls, options.seconds))
