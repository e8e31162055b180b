"""`python -m cqrs.saga`: look at stored sagas and recover them, for operators.

    python -m cqrs.saga --url URL list [--status failed] [--limit 50]
    python -m cqrs.saga --url URL show SAGA_ID
    python -m cqrs.saga --url URL recover --sagas app.sagas:saga_map
        [--container app.deps:make_container] (--once | --forever)

`--url` is an SQLAlchemy async URL (default `$CQRS_SAGA_DATABASE_URL`); table
names come from `--execution-table` / `--log-table` or the storage's environment
variables. `--sagas` names a `SagaMap`, a `sagas_mapper` function or a list of
saga classes; `--container` a container, or a function returning one. Exit
status: 0 done, 1 an unknown saga or exhausted sagas (`recover --once`), 2 bad
arguments or an unusable database.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from typing import Any, TextIO

from cqrs.saga.exceptions import SagaCommandLineError, SagaError, SagaNotFoundError
from cqrs.saga.models import SagaStatus
from cqrs.saga.worker import SagaRecoveryWorker

__all__ = ["URL_ENV", "main"]

#: Environment variable holding the default `--url`.
URL_ENV: str = "CQRS_SAGA_DATABASE_URL"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cqrs.saga", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get(URL_ENV), help=f"database URL (${URL_ENV})")
    parser.add_argument("--execution-table", help="saga executions table name")
    parser.add_argument("--log-table", help="saga log table name")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list stored sagas, least recently updated first")
    listing.add_argument("--status", action="append", choices=[s.value for s in SagaStatus])
    listing.add_argument("--limit", type=int, default=100)
    show = commands.add_parser("show", help="status, context and step history of one saga")
    show.add_argument("saga_id")
    recover = commands.add_parser("recover", help="recover interrupted and failed sagas")
    recover.add_argument("--sagas", required=True, help="module:attribute of the sagas")
    recover.add_argument("--container", help="module:attribute of the container (or factory)")
    mode = recover.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one batch, then exit")
    mode.add_argument("--forever", action="store_true", help="until SIGINT or SIGTERM")
    recover.add_argument("--stale-after", type=float, default=60.0)
    recover.add_argument("--max-attempts", type=int, default=5)
    recover.add_argument("--batch-size", type=int, default=10)
    recover.add_argument("--idle-sleep", type=float, default=5.0)
    return parser


def _load(path: str, what: str) -> Any:
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise SagaCommandLineError(
            f"{what} must look like 'package.module:attribute', got {path!r}"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SagaCommandLineError(
            f"cannot import {module_name!r} for {what} ({exc}); check PYTHONPATH"
        ) from exc
    try:
        found = getattr(module, attribute)
    except AttributeError as exc:
        raise SagaCommandLineError(
            f"{module_name!r} has no attribute {attribute!r} ({what})"
        ) from exc
    return found() if what == "--container" and inspect.isfunction(found) else found


def _engine(url: str | None) -> Any:
    if not url:
        raise SagaCommandLineError(f"no database URL: pass --url or set ${URL_ENV}")
    # Imported here: the module must import without the sqlalchemy extra, to say what to install.
    try:
        from sqlalchemy import make_url  # noqa: PLC0415
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError  # noqa: PLC0415
        from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415
    except ImportError as exc:
        raise SagaCommandLineError(
            "the saga command line needs SQLAlchemy: pip install 'cqrs-saga[sqlalchemy]' and a "
            "driver extra (postgres, mysql or sqlite)"
        ) from exc
    try:
        return create_async_engine(make_url(url))
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise SagaCommandLineError(
            f"bad database URL {url!r} ({exc}); use an async driver URL such as "
            "postgresql+asyncpg://user@host/db, mysql+asyncmy://user@host/db or "
            "sqlite+aiosqlite:///path/to/file.db"
        ) from exc


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    engine = _engine(args.url)  # first: it reports a missing sqlalchemy extra
    from sqlalchemy.ext.asyncio import async_sessionmaker  # noqa: PLC0415

    from cqrs.saga.storage.sqlalchemy import SqlAlchemySagaStorage  # noqa: PLC0415

    storage = SqlAlchemySagaStorage(
        async_sessionmaker(engine), args.execution_table, args.log_table
    )
    try:
        if args.command == "list":
            statuses = frozenset(SagaStatus(s) for s in args.status) if args.status else None
            for record in await storage.list_sagas(statuses=statuses, limit=args.limit):
                print(
                    f"{record.saga_id}  {record.status.value:<12} {record.name}  "
                    f"updated {record.updated_at.isoformat()}  attempts {record.recovery_attempts}",
                    file=out,
                )
            return 0
        if args.command == "show":
            return await _show(storage, args.saga_id, out)
        return await _recover(storage, args, out)
    finally:
        await engine.dispose()


async def _show(storage: Any, text: str, out: TextIO) -> int:
    try:
        saga_id = uuid.UUID(text)
    except ValueError as exc:
        raise SagaCommandLineError(
            f"{text!r} is not a saga id (a UUID such as {uuid.uuid4()})"
        ) from exc
    record = await storage.load_saga(saga_id)
    history = await storage.get_step_history(saga_id)
    print(f"saga {record.saga_id} ({record.name}): {record.status.value}", file=out)
    print(f"version {record.version}, recovery attempts {record.recovery_attempts}", file=out)
    print(
        f"created {record.created_at.isoformat()}, updated {record.updated_at.isoformat()}",
        file=out,
    )
    print("context: " + json.dumps(record.context, indent=2, sort_keys=True), file=out)
    print("history:", file=out)
    for entry in history:
        details = f"  {entry.details}" if entry.details else ""
        print(
            f"  {entry.timestamp.isoformat()}  {entry.step_name}  {entry.action.value}  "
            f"{entry.status.value}{details}",
            file=out,
        )
    return 0


async def _recover(storage: Any, args: argparse.Namespace, out: TextIO) -> int:
    worker = SagaRecoveryWorker(
        storage,
        _load(args.sagas, "--sagas"),
        _load(args.container, "--container") if args.container else None,
        stale_after=args.stale_after,
        max_attempts=args.max_attempts,
        batch_size=args.batch_size,
        idle_sleep=args.idle_sleep,
    )
    if args.forever:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        # Announced once the handlers are in place: a supervisor may signal from now on.
        print("recovering sagas until SIGINT or SIGTERM", file=out, flush=True)
        await worker.run(stop)
        print("stopped", file=out, flush=True)
        return 0
    report = await worker.recover_once()
    for saga_id, status in report.finished.items():
        print(f"{saga_id}  {status.value}", file=out)
    for saga_id, error in report.errors.items():
        print(f"{saga_id}  error: {error}", file=out)
    for record in report.exhausted:
        print(
            f"{record.saga_id}  exhausted: {record.status.value} after "
            f"{record.recovery_attempts} attempts",
            file=out,
        )
    return 1 if report.exhausted else 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line with `argv` (default `sys.argv[1:]`); return the exit status."""
    args = _parser().parse_args(argv)
    out = sys.stdout if out is None else out
    try:
        return asyncio.run(_run(args, out))
    except SagaNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SagaError as exc:  # SagaCommandLineError included
        print(f"error: {exc}", file=sys.stderr)
        return 2
