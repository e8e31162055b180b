"""`EventProducer`: the outbox relay, from an `OutboxedEventRepository` to a `MessageBroker`.

Delivery is at-least-once; every claimed row ends in exactly one of three ways:
sent (`mark_produced`), failed (`mark_failed`: retried with backoff, DEAD after
the repository's `max_attempts`, logged once at WARNING) or, when the relay is
cancelled mid-batch, released (due again at once). A relay that dies without
settling leaves its rows to lease expiry, never to oblivion. Several producers
may relay from one store concurrently: claims are exclusive while leased.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncGenerator, Coroutine, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from cqrs.message_brokers.protocol import MessageBroker
from cqrs.outbox.protocol import (
    EventStatus,
    OutboxedEvent,
    OutboxedEventId,
    OutboxedEventRepository,
)

__all__ = ["EventProducer", "RelayReport"]

logger: logging.Logger = logging.getLogger("cqrs.producer")

_T = TypeVar("_T")
_MAX_ERROR = 1000  # characters of a send error kept in `last_error`
_Failures = list[tuple[OutboxedEvent, Exception]]


@dataclasses.dataclass(frozen=True)
class RelayReport:
    """What one `relay_once` did.

    `failed` counts the sends that raised, `dead` those of them that reached
    `max_attempts` and were moved to DEAD (so `dead <= failed`).
    """

    claimed: int = 0
    produced: int = 0
    failed: int = 0
    dead: int = 0


_NOTHING = RelayReport()


class EventProducer:
    """Relays committed outbox events to a message broker.

    - `relay_once()` relays one batch; `run(stop)` relays until `stop` is set
      or the task is cancelled, sleeping when there is nothing to do (or when
      every send of a batch failed): from `idle_sleep / 16` seconds, doubling
      up to `idle_sleep`, back to no sleep as soon as a batch makes progress.
    - `batch_size` rows are claimed at a time, for `lease`: a batch must be sent
      and settled within the lease, or another relay may send it again.
    - `concurrency` sends up to that many messages of a batch at once; above 1
      it trades the order of messages within a batch for throughput.
    - `wakeup`, an `asyncio.Event` that whoever knows of new rows sets (the
      PostgreSQL `OutboxListener` of cqrs-outbox-sqlalchemy does, on each
      committed batch), ends an idle sleep at once: an idle relay then picks new
      rows up in milliseconds while still polling only every `idle_sleep`. The
      relay clears it before each claim, so a wake-up that arrives while it
      works is not lost. Polling goes on without it: a missed wake-up delays a
      row by at most `idle_sleep`, it never loses one.
    - A broker with `send_messages(messages)` (`BatchMessageBroker`, e.g. the
      Kafka broker) gets each batch in one call instead, whatever `concurrency`:
      it publishes in order and reports each message's outcome, so only the rows
      whose send failed go to `mark_failed`.
    - The seeds' loop also works: `async for events in producer.event_batch_generator():`
      then `await producer.send_message(event)` for each.
    """

    def __init__(
        self,
        message_broker: MessageBroker,
        repository: OutboxedEventRepository,
        *,
        batch_size: int = 100,
        idle_sleep: float = 1.0,
        lease: timedelta = timedelta(seconds=30),
        concurrency: int = 1,
        wakeup: asyncio.Event | None = None,
    ) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        if not idle_sleep > 0:
            raise ValueError(f"idle_sleep must be a positive number of seconds, got {idle_sleep!r}")
        if lease <= timedelta(0):
            raise ValueError(f"lease must be a positive timedelta, got {lease!r}")
        if not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be an integer >= 1, got {concurrency!r}")
        self.message_broker = message_broker
        self.repository = repository
        self.batch_size = batch_size
        self.idle_sleep: float = float(idle_sleep)
        self.lease = lease
        self.concurrency = concurrency
        self.wakeup: asyncio.Event | None = wakeup
        # Rows handed out by event_batch_generator and not yet passed to send_message.
        self._unsettled: dict[OutboxedEventId, None] = {}

    async def relay_once(self) -> RelayReport:
        """Claim one batch, send each event, settle every row, and report the counts.

        A failing send does not stop the others: it is recorded with `mark_failed`.
        Errors of the repository itself propagate (the claimed rows then wait for
        their lease to expire).
        """
        rows = await self.repository.claim_batch(self.batch_size, lease=self.lease)
        if not rows:
            return _NOTHING
        sent: list[OutboxedEventId] = []
        failures: _Failures = []
        send_batch = getattr(self.message_broker, "send_messages", None)
        try:
            if send_batch is not None:
                await _send_batch(send_batch, rows, sent, failures)
            elif self.concurrency == 1 or len(rows) == 1:
                send = self.message_broker.send_message
                for row in rows:
                    try:
                        await send(row.to_message())
                    except Exception as exc:
                        failures.append((row, exc))
                    else:
                        sent.append(row.id)
            else:
                await self._send_concurrently(rows, sent, failures)
        except BaseException:
            # Cancelled mid-batch: what was sent is marked (or another relay would
            # send it again after the lease), what was not is given back at once.
            try:
                await _shielded(self._settle(rows, sent, failures))
            except Exception:
                # Never let a bookkeeping error replace the cancellation in flight.
                logger.exception("outbox relay could not settle its batch while stopping")
            raise
        dead = await _shielded(self._settle(rows, sent, failures))
        return RelayReport(claimed=len(rows), produced=len(sent), failed=len(failures), dead=dead)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Relay until `stop` is set (the current batch is finished first) or cancellation.

        An error of one iteration (a database outage, say) is logged and retried
        after the idle backoff; it does not end the loop.
        """
        delay = 0.0
        wakeup = self.wakeup
        while stop is None or not stop.is_set():
            if wakeup is not None:
                wakeup.clear()
            try:
                report = await self.relay_once()
            except Exception:
                logger.exception("outbox relay failed; retrying")
                report = _NOTHING
            if report.produced:
                delay = 0.0
                continue
            delay = self._next_idle_delay(delay)
            if await _pause(delay, stop, wakeup):
                delay = 0.0

    def _next_idle_delay(self, delay: float) -> float:
        """Idle backoff: from a sixteenth of `idle_sleep`, doubling up to `idle_sleep`."""
        return min(self.idle_sleep, delay * 2) if delay else self.idle_sleep / 16

    async def event_batch_generator(
        self, batch_size: int | None = None, *, stop: asyncio.Event | None = None
    ) -> AsyncGenerator[list[OutboxedEvent], None]:
        """Yield claimed batches (never empty ones) for `send_message`, as in the seeds.

        Waits with the idle backoff while nothing is due; ends when `stop` is set.
        Rows of a batch not passed to `send_message` are released when the next
        batch is requested or the generator is closed (close it deterministically
        with `contextlib.aclosing` when breaking out of the loop).
        """
        size = batch_size if batch_size is not None else self.batch_size
        delay = 0.0
        try:
            while stop is None or not stop.is_set():
                if self.wakeup is not None:
                    self.wakeup.clear()
                rows = await self.repository.claim_batch(size, lease=self.lease)
                if not rows:
                    delay = self._next_idle_delay(delay)
                    if await _pause(delay, stop, self.wakeup):
                        delay = 0.0
                    continue
                delay = 0.0
                self._unsettled = dict.fromkeys(row.id for row in rows)
                yield rows
                await self._release_unsettled()
        finally:
            await _shielded(self._release_unsettled())

    async def send_message(self, event: OutboxedEvent) -> EventStatus:
        """Send one claimed row and record the outcome; return the row's new status.

        A failed send is not raised: it is recorded with `mark_failed` and its
        status (FAILED, or DEAD once `max_attempts` is reached) is returned.
        """
        self._unsettled.pop(event.id, None)
        try:
            await self.message_broker.send_message(event.to_message())
        except Exception as exc:
            status = await self.repository.mark_failed(event.id, _describe(exc))
            if status is EventStatus.DEAD:
                _log_dead(event, exc)
            return status
        await self.repository.mark_produced([event.id])
        return EventStatus.PRODUCED

    async def _send(
        self, row: OutboxedEvent, sent: list[OutboxedEventId], failures: _Failures
    ) -> None:
        try:
            await self.message_broker.send_message(row.to_message())
        except Exception as exc:
            failures.append((row, exc))
        else:
            sent.append(row.id)

    async def _send_concurrently(
        self, rows: list[OutboxedEvent], sent: list[OutboxedEventId], failures: _Failures
    ) -> None:
        # Workers share one iterator, so at most `concurrency` sends are in flight;
        # cancelling the gather cancels every worker before the batch is settled.
        queue = iter(rows)

        async def work() -> None:
            for row in queue:
                await self._send(row, sent, failures)

        await asyncio.gather(*(work() for _ in range(min(self.concurrency, len(rows)))))

    async def _settle(
        self, rows: Sequence[OutboxedEvent], sent: list[OutboxedEventId], failures: _Failures
    ) -> int:
        repository = self.repository
        if sent:
            await repository.mark_produced(list(sent))
        dead = 0
        for row, exc in list(failures):
            if await repository.mark_failed(row.id, _describe(exc)) is EventStatus.DEAD:
                dead += 1
                _log_dead(row, exc)
        if len(sent) + len(failures) < len(rows):
            settled = {*sent, *(row.id for row, _ in failures)}
            await repository.release([row.id for row in rows if row.id not in settled])
        return dead

    async def _release_unsettled(self) -> None:
        if self._unsettled:
            ids, self._unsettled = list(self._unsettled), {}
            await self.repository.release(ids)


async def _send_batch(
    send_batch: Any, rows: list[OutboxedEvent], sent: list[OutboxedEventId], failures: _Failures
) -> None:
    try:
        outcomes = await send_batch([row.to_message() for row in rows])
    except Exception as exc:
        failures.extend((row, exc) for row in rows)
        return
    if not isinstance(outcomes, (list, tuple)) or len(outcomes) != len(rows):
        error = TypeError(
            f"send_messages() of a batch of {len(rows)} messages returned {outcomes!r}, "
            "not a list of one outcome per message (None, or the exception of a failed send)"
        )
        failures.extend((row, error) for row in rows)
        return
    for row, outcome in zip(rows, outcomes):
        if outcome is None:
            sent.append(row.id)
        else:
            failures.append((row, outcome))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__qualname__}: {exc}"[:_MAX_ERROR]


def _log_dead(row: OutboxedEvent, exc: BaseException) -> None:
    logger.warning(
        "outbox event %s (%s, topic %r, row %r) is DEAD after %d failed sends, last error: %s. "
        "It stays in the outbox: list it with repository.dead_letters() and send it again "
        "with repository.requeue([%r]) once the cause is fixed",
        row.event_id,
        row.event_name,
        row.topic,
        row.id,
        row.attempts + 1,
        _describe(exc),
        row.id,
    )


async def _pause(seconds: float, stop: asyncio.Event | None, wakeup: asyncio.Event | None) -> bool:
    """Sleep `seconds`, less if `stop` or `wakeup` is set; return whether `wakeup` ended it."""
    if wakeup is None:
        if stop is None:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)
        return False
    waiters = [asyncio.ensure_future(wakeup.wait())]
    if stop is not None:
        waiters.append(asyncio.ensure_future(stop.wait()))
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return wakeup.is_set()


async def _shielded(coro: Coroutine[Any, Any, _T]) -> _T:
    """Await `coro` so that cancelling the caller cannot interrupt it halfway."""
    task = asyncio.ensure_future(coro)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        # Cancelled again while settling: the bookkeeping finishes in the background.
        task.add_done_callback(_report_background_failure)
        raise


def _report_background_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("outbox bookkeeping failed after cancellation", exc_info=task.exception())
