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

Redis down or hung: every command is bounded by `timeout` (default 50 ms)
and, after a failure, no command is sent for a backoff delay that doubles up
to `max_backoff` (see `cqrs.breaker.redis_link`); one WARNING says Redis is
gone, one that it is back. Meanwhile each process's circuits run on their
local copy. On reconnection a copy that changed during the outage is merged
with the hash, never simply overwritten by it (`merge_states`): an open state
wins over a closed or half-open one (of two openings, the later), and the
failure count is the larger of the two. So a circuit opened during the outage
stays open once Redis is back, and one closed by a trial during the outage
while the hash still says open costs one more trial.

Keys: one hash per circuit, `{prefix}:{circuit name}`, fields `state`,
`counter` and `opened_at` (float seconds since the epoch).
Install with `pip install 'cqrs-breaker[redis]'`; `redis` is imported only
when a factory connects by URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiobreaker import CircuitBreakerState

from cqrs.breaker.exceptions import BreakerConfigurationError
from cqrs.breaker.redis_link import (
    DEFAULT_BACKOFF,
    DEFAULT_MAX_BACKOFF,
    DEFAULT_TIMEOUT,
    RedisLink,
)
from cqrs.breaker.redis_state import (
    CircuitSnapshot,
    epoch_seconds,
    merge_states,
    parse_hash,
)

__all__ = ["RedisCircuitStorage", "RedisStorageFactory"]


class RedisCircuitStorage:
    """The storage of one circuit: a local copy of a Redis hash (see the module docstring).

    Implements aiobreaker's storage interface (local, synchronous) and
    `cqrs.breaker.storage.CachedCircuitStorage` (`stale`/`refresh`,
    `dirty`/`flush`, awaited by the adapter around each call). Every command
    goes through `link` (timeout, backoff, outage logging), shared by the
    circuits of one factory; without one, the storage gets its own.
    """

    name = "redis"  # aiobreaker's storages carry a kind name

    def __init__(
        self, client: Any, key: str, cache_ttl: float = 0.5, *, link: RedisLink | None = None
    ) -> None:
        self._client = client
        self.key = key
        self._cache_ttl = cache_ttl
        self.link: RedisLink = link if link is not None else RedisLink(key)
        self._state: Any = CircuitBreakerState.CLOSED
        self._counter = 0
        self._opened_at: datetime | None = None  # naive UTC, as aiobreaker reads it
        self._fetched_at = float("-inf")
        self._pending: list[tuple[str, Any]] = []
        self._flushing = False
        # True when the local copy holds changes Redis may not have (writes made or
        # lost during an outage): the next read merges instead of overwriting.
        self._diverged = False

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
        self._pending.append(("opened_at", epoch_seconds(value)))

    # -- CachedCircuitStorage: keeping the copy in step --------------------------------

    def stale(self) -> bool:
        """Whether the copy is older than `cache_ttl`."""
        return time.monotonic() - self._fetched_at >= self._cache_ttl

    async def refresh(self) -> None:
        """Read the hash into the local copy (merged with it after an outage).

        Skipped while the link backs off; the copy is left as it is while
        local writes are still unsent.
        """
        # Stamped before awaiting: calls arriving meanwhile keep using the old copy
        # instead of each sending its own HGETALL.
        self._fetched_at = time.monotonic()
        fields = await self.link.run(self._client.hgetall, self.key)
        if fields is None:
            return
        if self._diverged:
            self._reconcile(fields)
        elif not self._pending and not self._flushing:
            self._apply(fields)

    @property
    def dirty(self) -> bool:
        """Whether local writes wait to be flushed."""
        return bool(self._pending)

    async def flush(self) -> None:
        """Send the local writes in one MULTI pipeline and read the hash back.

        One flush at a time: writes made meanwhile go with the next one; a
        cancelled flush keeps them for the next one. While Redis is out of
        reach the writes are not queued (the local copy has them); the first
        flush or refresh that reaches Redis again merges the copies instead.
        """
        if self._flushing or not self._pending:
            return
        if self._diverged or not self.link.may_try():
            # Increments only make sense on the copy Redis holds: after an outage
            # the two copies are merged as a whole (by `refresh`) instead.
            self._pending.clear()
            self._diverged = True
            await self.refresh()
            if self._diverged or not self._pending:
                return
        self._flushing = True
        ops = list(self._pending)
        try:
            fields = await self.link.run(self._send, ops)
        finally:
            self._flushing = False
        del self._pending[: len(ops)]
        if fields is None:
            # Redis may or may not have applied them (a timeout can come after the
            # EXEC): only a merge is safe now.
            self._diverged = True
            return
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
        self._state, self._counter, self._opened_at = parse_hash(fields)

    def _reconcile(self, fields: dict[Any, Any]) -> None:
        remote = parse_hash(fields)
        local = CircuitSnapshot(self._state, self._counter, self._opened_at)
        merged = merge_states(local, remote)
        self._pending.clear()
        self._diverged = False
        self._state, self._counter, self._opened_at = merged
        # Absolute writes of what Redis lacks, sent by the next flush.
        if merged.state is not remote.state:
            self._pending.append(("state", merged.state.name))
        if merged.counter != remote.counter:
            self._pending.append(("counter", merged.counter))
        if merged.opened_at is not None and merged.opened_at != remote.opened_at:
            self._pending.append(("opened_at", epoch_seconds(merged.opened_at)))


class RedisStorageFactory:
    """`storage_factory` for `AioBreakerAdapter`: a `RedisCircuitStorage` per circuit.

    Give a `url` (a `redis.asyncio` client is created, without redis-py's
    retries and with socket timeouts of `timeout`) or your own
    `redis.asyncio.Redis` as `client` (its settings do not matter: every
    command is bounded by `timeout` here). `prefix` namespaces the keys (one
    hash per circuit, `{prefix}:{name}`); `cache_ttl` is the staleness window
    in seconds (0: read Redis before every call). `timeout` (seconds, default
    0.05) bounds each command; after a failure no command is sent for
    `backoff` seconds (default 0.5), doubling on each failed attempt up to
    `max_backoff` (default 30). `clock` (monotonic seconds) paces the backoff.
    A command that has to open a connection counts the connection setup in its
    `timeout`: raise it for a distant Redis or TLS. `factory.link` tells
    whether Redis is `unreachable` and when the next attempt is (`retry_in`).
    `await factory.aclose()` closes a client the factory created.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "cqrs:breaker",
        cache_ttl: float = 0.5,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
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
        self.link: RedisLink = RedisLink(
            prefix, timeout=timeout, backoff=backoff, max_backoff=max_backoff, clock=clock
        )
        self._owns_client = client is None
        self.client: Any = client if url is None else _connect(url, self.link.timeout)
        self.prefix = prefix
        self.cache_ttl: float = float(cache_ttl)

    def __call__(self, name: str) -> RedisCircuitStorage:
        """The storage of the circuit called `name`."""
        return RedisCircuitStorage(
            self.client, f"{self.prefix}:{name}", self.cache_ttl, link=self.link
        )

    async def aclose(self) -> None:
        """Close the client if this factory created it."""
        if self._owns_client:
            await self.client.aclose()


def _connect(url: str, timeout: float) -> Any:
    try:
        import redis.asyncio  # noqa: PLC0415 - the optional redis extra
        from redis.asyncio.retry import Retry  # noqa: PLC0415
        from redis.backoff import NoBackoff  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - the redis extra is installed in dev
        raise ImportError(
            "RedisStorageFactory needs the redis package: pip install 'cqrs-breaker[redis]'"
        ) from exc
    # No retries: the link's backoff decides when to try again, and a retried
    # command would only be cut by the timeout anyway.
    return redis.asyncio.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
