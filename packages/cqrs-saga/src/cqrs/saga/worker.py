"""`SagaRecoveryWorker`: finds interrupted or failed sagas in storage and finishes them.

Several workers (processes) may share one database: each saga is claimed before
it is recovered (a lease, taken with `SKIP LOCKED` where the database has it),
so two workers never recover the same saga at once. Import it from
`cqrs.saga.recovery`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import typing
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from cqrs.events.map import EventMap
from cqrs.message_brokers.protocol import MessageBroker
from cqrs.saga import bootstrap as saga_bootstrap
from cqrs.saga._steps import describe
from cqrs.saga.exceptions import SagaDefinitionError
from cqrs.saga.map import SagaMap
from cqrs.saga.models import SagaContext, SagaStatus
from cqrs.saga.saga import Saga, plan_of
from cqrs.saga.storage.protocol import RECOVERABLE, ISagaRecoveryStorage, SagaRecord

__all__ = ["RecoveryReport", "SagaRecoveryWorker"]

logger: logging.Logger = logging.getLogger("cqrs.saga.recovery")

#: What the worker recovers: a SagaMap, a `sagas_mapper` function, or saga classes.
Sagas = SagaMap | Callable[[SagaMap], None] | Iterable[type[Saga[Any]]]


@dataclasses.dataclass(frozen=True)
class RecoveryReport:
    """The outcome of one `recover_once`.

    - `finished`: saga id → status it reached (COMPLETED, COMPENSATED, or FAILED
      again when a compensation still fails: it is retried after the lease);
    - `errors`: saga id → the error that stopped its recovery (retried later);
    - `exhausted`: sagas still unfinished after `max_attempts` claims; no worker
      takes them any more: an operator must look at them (`python -m cqrs.saga show`).
    """

    finished: dict[uuid.UUID, SagaStatus]
    errors: dict[uuid.UUID, str]
    exhausted: list[SagaRecord]

    @property
    def claimed(self) -> int:
        """How many sagas this pass claimed."""
        return len(self.finished) + len(self.errors)


def _context_type(saga: type[Saga[Any]]) -> type[Any]:
    for klass in saga.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Saga):
                [arg] = typing.get_args(base)
                if isinstance(arg, type) and issubclass(arg, SagaContext):
                    return arg
    raise SagaDefinitionError(
        f"cannot tell the context type of {saga.__qualname__}: declare it as "
        f"class {saga.__qualname__}(Saga[YourContext]), or pass a SagaMap"
    )


def _mapper(sagas: Sagas) -> Callable[[SagaMap], None]:
    if isinstance(sagas, SagaMap):
        pairs = [(ctx, saga) for ctx, bound in sagas.items() for saga in bound]
    elif callable(sagas):
        return sagas
    else:
        pairs = [(_context_type(saga), saga) for saga in sagas]

    def bind_all(target: SagaMap) -> None:
        for ctx, saga in pairs:
            target.bind(ctx, saga)

    return bind_all


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SagaRecoveryWorker:
    """Recovers the sagas of `sagas` found in `storage` (see the module docstring).

    A saga is picked when it is FAILED, or RUNNING / COMPENSATING and not updated
    for `stale_after` seconds (its process is presumed dead: choose a value
    longer than your slowest step). Each claim leases it for `lease` seconds
    (default: `stale_after`, at least 30) and counts one attempt; after
    `max_attempts` claims a saga is reported as exhausted instead of retried.
    `container` and the other keywords are those of `cqrs.saga.bootstrap.bootstrap`.
    """

    def __init__(
        self,
        storage: ISagaRecoveryStorage,
        sagas: Sagas,
        container: Any = None,
        *,
        stale_after: float = 60.0,
        max_attempts: int = 5,
        batch_size: int = 10,
        lease: float | None = None,
        idle_sleep: float = 5.0,
        domain_events_mapper: Callable[[EventMap], None] | None = None,
        message_broker: MessageBroker | None = None,
        compensation_retry_count: int = 3,
        compensation_retry_delay: float = 1.0,
        compensation_retry_backoff: float = 2.0,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        for label, value in (("max_attempts", max_attempts), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SagaDefinitionError(f"{label} must be an integer >= 1, got {value!r}")
        if stale_after < 0 or idle_sleep < 0:
            raise SagaDefinitionError(
                f"stale_after and idle_sleep must be >= 0 seconds, got {stale_after!r} and "
                f"{idle_sleep!r}"
            )
        mapper = _mapper(sagas)
        self.storage: ISagaRecoveryStorage = storage
        self._mediator = saga_bootstrap.bootstrap(
            di_container=container,
            sagas_mapper=mapper,
            domain_events_mapper=domain_events_mapper,
            message_broker=message_broker,
            saga_storage=storage,
            compensation_retry_count=compensation_retry_count,
            compensation_retry_delay=compensation_retry_delay,
            compensation_retry_backoff=compensation_retry_backoff,
        )
        collected = SagaMap()
        mapper(collected)
        self._by_name: dict[str, type[Saga[Any]]] = {
            plan_of(saga).name: saga for bound in collected.values() for saga in bound
        }
        self._stale_after = timedelta(seconds=stale_after)
        self._lease = timedelta(seconds=max(stale_after, 30.0) if lease is None else lease)
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        self._idle_sleep = idle_sleep
        self._now = now
        self._reported: set[uuid.UUID] = set()

    async def recover_once(self) -> RecoveryReport:
        """Claim one batch, recover each saga of it, and list the exhausted sagas."""
        now = self._now()
        claims = await self.storage.claim_for_recovery(
            self._batch_size,
            now=now,
            stale_before=now - self._stale_after,
            lease_until=now + self._lease,
            max_attempts=self._max_attempts,
            saga_names=frozenset(self._by_name),
        )
        finished: dict[uuid.UUID, SagaStatus] = {}
        errors: dict[uuid.UUID, str] = {}
        for claim in claims:
            try:
                status = await self._mediator.recover(claim.saga_id, self._by_name[claim.name])
            except Exception as exc:
                errors[claim.saga_id] = describe(exc)
                logger.warning(
                    "saga %s (%s): recovery attempt %d failed: %s",
                    claim.saga_id,
                    claim.name,
                    claim.attempts,
                    errors[claim.saga_id],
                )
            else:
                finished[claim.saga_id] = status
        exhausted = await self.storage.list_sagas(
            statuses=RECOVERABLE, min_recovery_attempts=self._max_attempts
        )
        exhausted = [record for record in exhausted if record.name in self._by_name]
        for record in exhausted:
            if record.saga_id not in self._reported:
                self._reported.add(record.saga_id)
                logger.error(
                    "saga %s (%s) is still %s after %d recovery attempts; no worker retries "
                    "it: inspect it with `python -m cqrs.saga show %s`",
                    record.saga_id,
                    record.name,
                    record.status,
                    record.recovery_attempts,
                    record.saga_id,
                )
        return RecoveryReport(finished, errors, exhausted)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Recover batch after batch until `stop` is set (or the task is cancelled).

        A pass that claims nothing is followed by `idle_sleep` seconds of waiting
        (cut short by `stop`). Cancellation stops at once; a saga interrupted
        by it stays leased and is taken again once stale.
        """
        while stop is None or not stop.is_set():
            report = await self.recover_once()
            if report.claimed:
                continue
            if stop is None:
                await asyncio.sleep(self._idle_sleep)
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self._idle_sleep)
