"""Where a circuit keeps its state: the storage interfaces and the stock factories.

A circuit's state (closed / open / half-open), its count of consecutive failures
and the time it opened live in an aiobreaker storage object; aiobreaker reads
and writes it synchronously, several times per call.

- `memory_storage` (the default): a dict in this process; nothing is shared.
- `blocking_redis_storage_factory`: aiobreaker's `CircuitRedisStorage` on a
  synchronous redis client, shared by every process. Each read and write is a
  blocking round trip that stalls the event loop (see `bench/breaker_redis.py`).
- `cqrs.breaker.redis_storage.redis_storage_factory`: shared through
  `redis.asyncio` without blocking: reads come from a short local cache,
  writes are sent asynchronously after the call (`CachedCircuitStorage`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from aiobreaker import CircuitBreakerState
from aiobreaker.storage.memory import CircuitMemoryStorage
from aiobreaker.storage.redis import CircuitRedisStorage

from cqrs.breaker.exceptions import BreakerConfigurationError

__all__ = [
    "CachedCircuitStorage",
    "CircuitStorage",
    "StorageFactory",
    "blocking_redis_storage_factory",
    "check_storage",
    "memory_storage",
]


class CircuitStorage(Protocol):
    """The interface of aiobreaker's `CircuitBreakerStorage`, as aiobreaker uses it.

    `state` is an `aiobreaker.CircuitBreakerState`; `opened_at` a naive UTC
    datetime (aiobreaker compares it with `datetime.utcnow()`).
    """

    @property
    def state(self) -> Any:
        """The current state (an `aiobreaker.CircuitBreakerState`)."""

    @state.setter
    def state(self, value: Any) -> None: ...

    @property
    def counter(self) -> int:
        """Consecutive failures."""

    @property
    def opened_at(self) -> datetime | None:
        """When the circuit last opened (naive UTC), or `None`."""

    @opened_at.setter
    def opened_at(self, value: datetime) -> None: ...

    def increment_counter(self) -> None:
        """Count one more failure."""

    def reset_counter(self) -> None:
        """Forget the failures."""


@runtime_checkable
class CachedCircuitStorage(Protocol):
    """A storage whose shared copy is reached asynchronously, around each call.

    aiobreaker only touches the local copy. Before a call the adapter awaits
    `refresh()` when `stale()` says the local copy is too old; after it, it
    awaits `flush()` when `dirty` says there are writes to send. The adapter's
    `call` thus never blocks the event loop on the shared store.
    """

    def stale(self) -> bool:
        """Whether the local copy should be refreshed before the next call."""
        ...

    async def refresh(self) -> None:
        """Load the shared state into the local copy."""
        ...

    @property
    def dirty(self) -> bool:
        """Whether local writes are waiting to be sent."""
        ...

    async def flush(self) -> None:
        """Send the local writes to the shared store."""
        ...


#: `storage_factory(name)`: the storage of the circuit called `name`.
StorageFactory = Callable[[str], CircuitStorage]

_REQUIRED = ("state", "counter", "opened_at", "increment_counter", "reset_counter")


def memory_storage(name: str) -> CircuitStorage:
    """The default storage: state kept in this process only (`name` is unused)."""
    storage: CircuitStorage = CircuitMemoryStorage(CircuitBreakerState.CLOSED)
    return storage


def check_storage(storage: object, name: str) -> CircuitStorage:
    """Return `storage` if it has aiobreaker's storage interface, else raise.

    The check looks at the class, so that a storage whose properties do I/O is
    not read here.
    """
    missing = [attr for attr in _REQUIRED if not hasattr(type(storage), attr)]
    if missing:
        raise BreakerConfigurationError(
            f"storage_factory({name!r}) returned {storage!r}, which lacks "
            f"{', '.join(missing)}; return an aiobreaker storage such as "
            "aiobreaker.storage.memory.CircuitMemoryStorage(CircuitBreakerState.CLOSED) "
            "or use cqrs.breaker.redis_storage.redis_storage_factory(...)"
        )
    checked: CircuitStorage = storage  # type: ignore[assignment]
    return checked


def blocking_redis_storage_factory(client: Any, prefix: str = "cqrs:breaker") -> StorageFactory:
    """aiobreaker's `CircuitRedisStorage` per circuit, keys under `{prefix}:{name}`.

    `client` is a synchronous `redis.Redis` created with `decode_responses=False`
    (aiobreaker decodes the bytes itself). Every call through the breaker then
    makes two or more blocking round trips, during which the event loop runs
    nothing else, and the opening time is kept in whole seconds (a timeout
    below a second is not honoured). Prefer `redis_storage_factory` in async
    services; this one exists for parity with python-cqrs and for comparison.
    """
    # redis.asyncio clients have the same command names; their execute_command is async.
    if not hasattr(client, "setnx") or inspect.iscoroutinefunction(
        getattr(client, "execute_command", None)
    ):
        raise BreakerConfigurationError(
            f"blocking_redis_storage_factory needs a synchronous redis.Redis client, got "
            f"{client!r}; for redis.asyncio use cqrs.breaker.redis_storage.redis_storage_factory"
        )

    def factory(name: str) -> CircuitStorage:
        storage: CircuitStorage = CircuitRedisStorage(
            CircuitBreakerState.CLOSED, client, namespace=f"{prefix}:{name}"
        )
        return storage

    return factory
