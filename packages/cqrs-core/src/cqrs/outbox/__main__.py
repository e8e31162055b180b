"""`python -m cqrs.outbox`: operator commands for an outbox store.

    python -m cqrs.outbox relay --url URL --broker stdout|devnull|module:factory [--listen]
    python -m cqrs.outbox dead-letters --url URL [--limit N]
    python -m cqrs.outbox requeue --url URL (ID ... | --all)
    python -m cqrs.outbox stats --url URL

`--url` names the store (e.g. postgresql+asyncpg://user@host/db); the store is
found through the `cqrs.outbox.repositories` entry points (see
`cqrs.outbox.operator`). `relay` runs until SIGTERM or SIGINT, then finishes
and settles its current batch, so no claim outlives it. With `--listen` it also
wakes on the store's notifications of new rows (PostgreSQL LISTEN/NOTIFY, for
writers with `notify=True`) instead of waiting for its next poll.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta

from cqrs.exceptions import CQRSError
from cqrs.outbox.exceptions import OutboxError
from cqrs.outbox.operator import OutboxHandle, load_broker, open_outbox
from cqrs.producer import EventProducer

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cqrs.outbox", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help)
        sub.add_argument(
            "--url", required=True, help="the outbox store, e.g. sqlite+aiosqlite:///app.db"
        )
        sub.add_argument(
            "--table", default=None, help="the outbox table (default: $OUTBOX_SQLA_TABLE or outbox)"
        )
        return sub

    relay = command("relay", "relay committed events to a broker until SIGTERM")
    relay.add_argument("--broker", required=True, help="stdout, devnull or module:factory")
    relay.add_argument("--batch-size", type=int, default=100)
    relay.add_argument("--lease", type=float, default=30.0, help="seconds a claim holds a batch")
    relay.add_argument("--idle-sleep", type=float, default=1.0, help="longest wait when idle (s)")
    relay.add_argument(
        "--listen",
        action="store_true",
        help="wake on the store's notifications of new rows (PostgreSQL LISTEN/NOTIFY)",
    )
    dead = command("dead-letters", "list DEAD rows, oldest first")
    dead.add_argument("--limit", type=int, default=100)
    requeue = command("requeue", "move DEAD rows back to NEW")
    which = requeue.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", type=int, default=[], help="row ids")
    which.add_argument("--all", action="store_true", help="every DEAD row")
    command("stats", "rows per status and the age of the oldest due row")
    return parser


async def _relay(handle: OutboxHandle, args: argparse.Namespace) -> int:
    if not args.listen:
        return await _relay_until_stopped(handle, args, None)
    listen = getattr(handle, "listen", None)
    if listen is None:
        raise OutboxError(
            f"the store at {args.url!r} cannot notify relays of new rows: drop --listen "
            "(the relay polls every --idle-sleep seconds)"
        )
    async with listen() as wakeup:
        return await _relay_until_stopped(handle, args, wakeup)


async def _relay_until_stopped(
    handle: OutboxHandle, args: argparse.Namespace, wakeup: asyncio.Event | None
) -> int:
    producer = EventProducer(
        load_broker(args.broker),
        handle.repository,
        batch_size=args.batch_size,
        lease=timedelta(seconds=args.lease),
        idle_sleep=args.idle_sleep,
        wakeup=wakeup,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # This process only relays from here on: what it has built so far (modules, the
    # engine, the broker's client) lives until it exits. Freezing it keeps the garbage
    # collector's full collections, which every few thousand relayed events would
    # otherwise walk all of it again, down to the objects made since (see
    # docs/outbox.md, "Relay throughput").
    gc.collect()
    gc.freeze()
    print("relay: running (SIGTERM or Ctrl-C stops it)", file=sys.stderr, flush=True)
    await producer.run(stop)
    print("relay: stopped, every claimed row settled", file=sys.stderr)
    return 0


async def _dead_letters(handle: OutboxHandle, args: argparse.Namespace) -> int:
    for row in await handle.repository.dead_letters(args.limit):
        print(
            f"{row.id}\t{row.event_id}\t{row.event_name}\t{row.topic}\t{row.attempts}\t{row.last_error}"
        )
    return 0


async def _requeue(handle: OutboxHandle, args: argparse.Namespace) -> int:
    repository = handle.repository
    if not args.all:
        moved = await repository.requeue(args.ids)
    else:
        moved = 0
        while dead := await repository.dead_letters(1000):
            moved += await repository.requeue([row.id for row in dead])
    print(f"requeued {moved} row(s)")
    return 0


async def _stats(handle: OutboxHandle, args: argparse.Namespace) -> int:
    stats = await handle.stats()
    for status, count in stats.counts.items():
        print(f"{status.value}\t{count}")
    age = stats.oldest_due_age
    print(f"oldest_due_age_seconds\t{'-' if age is None else round(age.total_seconds(), 3)}")
    return 0


_COMMANDS = {"relay": _relay, "dead-letters": _dead_letters, "requeue": _requeue, "stats": _stats}


async def _run(args: argparse.Namespace) -> int:
    async with open_outbox(args.url, table=args.table) as handle:
        return await _COMMANDS[args.command](handle, args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one operator command; returns the exit status (2 for a usage or store error)."""
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except CQRSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
