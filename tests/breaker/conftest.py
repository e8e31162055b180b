"""Fixtures of the cqrs-breaker tests: a real Redis, and keys that never outlive a test.

DESIGN §5: the DSN comes from `CQRS_REDIS_URL` (default redis://127.0.0.1:6379/0).
When Redis does not answer, the tests that need it skip with the reason, unless
`CQRS_REQUIRE_SERVICES=1` (set by `.ci/run`), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

REDIS_URL = os.environ.get("CQRS_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unavailable(reason: str) -> None:
    if os.environ.get("CQRS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CQRS_REQUIRE_SERVICES=1: services are required)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis that answers PING."""
    try:
        import redis
    except ImportError:
        _unavailable("the redis package is not installed: pip install 'cqrs-breaker[redis]'")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        _unavailable(f"Redis at {REDIS_URL} is unreachable ({exc}); start it or set CQRS_REDIS_URL")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test alone; every key under it is deleted afterwards."""
    import redis

    prefix = f"cqrs-test:breaker:{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def sync_redis(redis_url: str) -> Iterator[Any]:
    """A synchronous client (bytes responses, as aiobreaker's CircuitRedisStorage wants)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()
