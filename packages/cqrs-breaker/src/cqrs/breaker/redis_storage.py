"""Circuits shared across processes through `redis.asyncio`, without blocking the event loop.

aiobreaker reads and writes its storage synchronously, several times per call;
on aiobreaker's `CircuitRedisStorage` each of those is a blocking round trip.
`RedisCircuitStorage` gives aiobreaker a local copy instead, and
`AioBreakerAdapter` keeps it in step around each call:

- before a call, when the copy is older than `cache_ttl`, one `HGETALL`
  refreshes it (awaited; concurrent calls meanwhile use the old copy);
- after a call, the writes it made (failure counted, counter reset, state
  changed) go out in one `MULTI` pipeline that also reads the state back.

The trade-off is a staleness window of `cache_ttl` seconds (default 0.5):
another process's opening of a circuit is seen up to that late, failures of
several processes are added up only as each one writes, and a success resets
the shared counter only if this process has seen failures in it, and each
process lets one half-open trial call of its own through. In exchange a call
that changes nothing costs no round trip at all, and none ever blocks.

When Redis does not answer, circuits keep working on their local copy (each
process on its own) and a WARNING says so once; another says when Redis is back.

Keys: one hash per circuit, `{prefix}:{circuit name}`, fields `state`,
`counter` and `opened_at` (float seconds since the epoch).
Install with `pip install 'cqrs-breaker[redis]'`; `redis` is imported only
when a factory connects by URL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from aiobreaker import CircuitBreakerState

from cqrs.breaker.exceptions import BreakerConfigurationError

__all__ = ["RedisCircuitStorage", "RedisStorageFactory"]

logger: logging.Logger = logging.getLogger("cqrs.breaker")

_EPOCH = datetime(1970, 1, 1)  # opened_at is naive UTC; Redis keeps epoch seconds


class RedisCircuitStorage:
    """The storage of one circuit: a local copy of a Redis hash (see the module docstring).

    Implements aiobreaker's storage interface (local, synchronous) and
    `cqrs.breaker.storage.CachedCircuitStorage` (`stale`/`refresh`,
    `dirty`/`flush`, awaited by the adapter around each call).
    """

    name = "redis"  # aiobreaker's storages carry a kind name

    def __init__(self, client: Any, key: str, cache_ttl: float = 0.5) -> None:
        self._client = client
        self.key = key
        self._cache_ttl = cache_ttl
        self._state: Any = CircuitBreakerState.CLOSED
        self._counter = 0
        self._opened_at: datetime | None = None  # naive UTC, as aiobreaker reads it
        self._fetched_at = float("-inf")
        self._pending: list[tuple[str, Any]] = []
        self._flushing = False
        self._unreachable = False
        self._errors = _redis_errors()

    # -- aiobreaker's storage interface: the local copy ---------------------------------

    @property
    def state(self) -> Any:
        """The state (an `aiobreaker.CircuitBreakerState`) of the local copy."""
        return self._state

    @state.setter
    def state(self, value: Any) -> None:
        self._state = value
        self._pending.append(("state", value.name))

    @property
    def counter(self) -> int:
        """Consecutive failures, as last read from Redis plus the local ones."""
        return self._counter

    def increment_counter(self) -> None:
        """Count a failure (sent with the next flush)."""
        self._counter += 1
        self._pending.append(("incr", None))

    def reset_counter(self) -> None:
        """Forget the failures; costs nothing when none were seen (every success calls it)."""
        if self._counter:
            self._counter = 0
            self._pending.append(("counter", 0))

    @property
    def opened_at(self) -> datetime | None:
        """When the circuit last opened, naive UTC as aiobreaker expects, or `None`."""
        return self._opened_at

    @opened_at.setter
    def opened_at(self, value: datetime) -> None:
        self._opened_at = value
        self._pending.append(("opened_at", (value - _EPOCH).total_seconds()))

    # -- CachedCircuitStorage: keeping the copy in step --------------------------------

    def stale(self) -> bool:
        """Whether the copy is older than `cache_ttl`."""
        return time.monotonic() - self._fetched_at >= self._cache_ttl

    async def refresh(self) -> None:
        """Read the hash into the local copy, unless local writes are still unsent."""
        # Stamped before awaiting: calls arriving meanwhile keep using the old copy
        # instead of each sending its own HGETALL.
        self._fetched_at = time.monotonic()
        try:
            fields = await self._client.hgetall(self.key)
        except self._errors as exc:
            self._lost(exc)
            return
        self._reached()
        if not self._pending and not self._flushing:
            self._apply(fields)

    @property
    def dirty(self) -> bool:
        """Whether local writes wait to be flushed."""
        return bool(self._pending)

    async def flush(self) -> None:
        """Send the local writes in one MULTI pipeline and read the hash back.

        One flush at a time: writes made meanwhile go with the next one. Writes
        that Redis refused are dropped (the local copy keeps them); a cancelled
        flush keeps them for the next one.
        """
        if self._flushing or not self._pending:
            return
        self._flushing = True
        ops = list(self._pending)
        try:
            fields = await self._send(ops)
        except self._errors as exc:
            del self._pending[: len(ops)]
            self._lost(exc)
            return
        finally:
            self._flushing = False
        del self._pending[: len(ops)]
        self._reached()
        self._fetched_at = time.monotonic()
        if not self._pending:
            self._apply(fields)

    async def _send(self, ops: list[tuple[str, Any]]) -> Any:
        pipe = self._client.pipeline(transaction=True)
        for op, value in ops:
            if op == "incr":
                pipe.hincrby(self.key, "counter", 1)
            else:
                pipe.hset(self.key, op, value)
        pipe.hgetall(self.key)
        results = await pipe.execute()
        return results[-1]

    def _apply(self, fields: dict[Any, Any]) -> None:
        values = {_text(key): _text(value) for key, value in fields.items()}
        try:
            self._state = CircuitBreakerState[values.get("state", "CLOSED")]
        except KeyError:
            self._state = CircuitBreakerState.CLOSED  # a foreign value: start closed
        self._counter = int(values.get("counter") or 0)
        opened = values.get("opened_at")
        self._opened_at = _EPOCH + timedelta(seconds=float(opened)) if opened else None

    def _lost(self, exc: BaseException) -> None:
        if not self._unreachable:
            self._unreachable = True
            logger.warning(
                "circuit breaker storage %s: Redis did not answer (%r); "
                "this process uses its local copy until it does",
                self.key,
                exc,
            )

    def _reached(self) -> None:
        if self._unreachable:
            self._unreachable = False
            logger.warning("circuit breaker storage %s: Redis answers again", self.key)


class RedisStorageFactory:
    """`storage_factory` for `AioBreakerAdapter`: a `RedisCircuitStorage` per circuit.

    Give a `url` (a `redis.asyncio` client is created, with 1-second connect
    and socket timeouts so a dead Redis cannot hold calls for long) or your own
    `redis.asyncio.Redis` as `client`. `prefix` namespaces the keys (one hash
    per circuit, `{prefix}:{name}`); `cache_ttl` is the staleness window in
    seconds (0: read Redis before every call). `await factory.aclose()` closes
    a client the factory created.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "cqrs:breaker",
        cache_ttl: float = 0.5,
    ) -> None:
        if (url is None) == (client is None):
            raise BreakerConfigurationError(
                "RedisStorageFactory takes a url or a client (exactly one), got "
                f"url={url!r}, client={client!r}"
            )
        if isinstance(cache_ttl, bool) or not isinstance(cache_ttl, (int, float)) or cache_ttl < 0:
            raise BreakerConfigurationError(
                f"cache_ttl must be a number of seconds >= 0, got {cache_ttl!r}"
            )
        self._owns_client = client is None
        self.client: Any = client if url is None else _connect(url)
        self.prefix = prefix
        self.cache_ttl: float = float(cache_ttl)

    def __call__(self, name: str) -> RedisCircuitStorage:
        """The storage of the circuit called `name`."""
        return RedisCircuitStorage(self.client, f"{self.prefix}:{name}", self.cache_ttl)

    async def aclose(self) -> None:
        """Close the client if this factory created it."""
        if self._owns_client:
            await self.client.aclose()


def _connect(url: str) -> Any:
    try:
        import redis.asyncio  # noqa: PLC0415 - the optional redis extra
    except ImportError as exc:  # pragma: no cover - the redis extra is installed in dev
        raise ImportError(
            "RedisStorageFactory needs the redis package: pip install 'cqrs-breaker[redis]'"
        ) from exc
    return redis.asyncio.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)


def _redis_errors() -> tuple[type[BaseException], ...]:
    # Lazy: this module imports without the redis extra.
    try:
        from redis.exceptions import RedisError  # noqa: PLC0415 - the optional redis extra
    except ImportError:
        return (OSError, asyncio.TimeoutError)
    return (RedisError, OSError, asyncio.TimeoutError)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
