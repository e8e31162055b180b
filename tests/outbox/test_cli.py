"""`python -m cqrs.outbox` on the SQL store: relay until SIGTERM, dead-letters, requeue, stats."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import cqrs
from cqrs.outbox import EventStatus
from cqrs.outbox.__main__ import main
from cqrs.outbox.sqlalchemy import SqlAlchemyOutboxedEventRepository

from .conftest import Database
from .test_relays import status_counts, write_events

pytestmark = pytest.mark.anyio
LEASE = timedelta(seconds=30)


async def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    # main() runs its own event loop: give it a thread of its own.
    status = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return status, out, err


async def _kill_all(database: Database) -> list[int]:
    """Make every stored row DEAD (one failed send each, max_attempts=1); return the ids."""
    async with database.sessions() as session:
        relay = SqlAlchemyOutboxedEventRepository(session, table=database.outbox, max_attempts=1)
        rows = await relay.claim_batch(100, lease=LEASE)
        for row in rows:
            await relay.mark_failed(row.id, "broker down")
    return [int(row.id) for row in rows]


async def test_stats_counts_rows_per_status(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await write_events(database, 3)
    await _kill_all(database)
    await write_events(database, 2)
    status, out, _ = await _cli(
        capsys, "stats", "--url", database.url, "--table", database.outbox.name
    )
    lines = dict(line.split("\t") for line in out.splitlines())
    assert status == 0
    assert (lines["new"], lines["dead"], lines["produced"]) == ("2", "3", "0")
    assert float(lines["oldest_due_age_seconds"]) >= 0


async def test_dead_letters_lists_dead_rows(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await write_events(database, 2)
    ids = await _kill_all(database)
    status, out, _ = await _cli(
        capsys, "dead-letters", "--url", database.url, "--table", database.outbox.name
    )
    rows = [line.split("\t") for line in out.splitlines()]
    assert status == 0
    assert [int(row[0]) for row in rows] == ids
    assert {row[-1] for row in rows} == {"broker down"}


async def test_requeue_by_id_moves_only_those_rows(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await write_events(database, 3)
    first, *_ = await _kill_all(database)
    args = ("requeue", "--url", database.url, "--table", database.outbox.name, str(first))
    status, out, _ = await _cli(capsys, *args)
    assert (status, out) == (0, "requeued 1 row(s)\n")
    assert await status_counts(database) == {"new": 1, "dead": 2}


async def test_requeue_all_moves_every_dead_row(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    await write_events(database, 3)
    await _kill_all(database)
    args = ("requeue", "--all", "--url", database.url, "--table", database.outbox.name)
    status, out, _ = await _cli(capsys, *args)
    assert (status, out) == (0, "requeued 3 row(s)\n")
    assert await status_counts(database) == {"new": 3}


async def test_unknown_url_scheme_names_what_to_install(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = await _cli(capsys, "stats", "--url", "nosuchdb://host/db")
    assert status == 2
    assert "no outbox store is installed for URL scheme 'nosuchdb'" in err
    assert "pip install" in err


async def _relay_lines(
    database: Database, broker: str, count: int, env: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    """Run `python -m cqrs.outbox relay` with `--broker broker` until it has printed
    `count` lines, then SIGTERM it; (its exit status, the lines)."""
    with subprocess.Popen(
        [
            sys.executable, "-m", "cqrs.outbox", "relay", "--url", database.url,
            "--table", database.outbox.name, "--broker", broker, "--idle-sleep", "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        try:
            lines = [
                await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
                for _ in range(count)
            ]
            process.send_signal(signal.SIGTERM)
            returncode = await asyncio.to_thread(process.wait, 60)
        finally:
            process.kill()
            process.wait()
    return returncode, lines


async def test_relay_delivers_until_sigterm_then_exits_cleanly(database: Database) -> None:
    ids = await write_events(database, 5)
    returncode, lines = await _relay_lines(database, "stdout", len(ids))
    assert returncode == 0
    assert sorted(json.loads(line)["message_id"] for line in lines) == sorted(map(str, ids))
    assert await status_counts(database) == {EventStatus.PRODUCED.value: len(ids)}


async def test_relay_freezes_what_it_built_before_relaying(database: Database) -> None:
    """The relay process's start-up objects are frozen, out of the collector's full
    collections (docs/outbox.md, "Relay throughput")."""
    if database.backend != "sqlite":
        pytest.skip("the process, not the database, is under test")
    [event_id] = await write_events(database, 1)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    returncode, [line] = await _relay_lines(database, "freeze_probe:make_broker", 1, env)
    assert returncode == 0
    sent, frozen = line.split()
    assert sent == str(event_id)
    assert int(frozen.removeprefix("frozen=")) > 10_000  # modules, engine, broker...


async def test_relay_listen_wakes_on_new_rows_on_postgresql(database: Database) -> None:
    if database.backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's (the other backends refuse --listen)")
    # idle-sleep 160: the first idle pause is 10 s, so rows arriving within 5 s of
    # their commit were brought by the notification.
    with subprocess.Popen(
        [
            sys.executable, "-m", "cqrs.outbox", "relay", "--url", database.url,
            "--table", database.outbox.name, "--broker", "stdout", "--idle-sleep", "160",
            "--listen",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        assert process.stderr is not None
        try:
            started = await asyncio.wait_for(asyncio.to_thread(process.stderr.readline), 60)
            assert "running" in started
            await asyncio.sleep(0.5)  # past its first (empty) claim: asleep
            async with database.sessions() as session:
                writer = SqlAlchemyOutboxedEventRepository(
                    session, table=database.outbox, notify=True
                )
                event: cqrs.NotificationEvent[dict[str, int]] = cqrs.NotificationEvent(
                    event_name="Tick", topic="ticks", payload={}
                )
                writer.add(event)
                await writer.commit()
            line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 5)
            process.send_signal(signal.SIGTERM)
            returncode = await asyncio.to_thread(process.wait, 60)
        finally:
            process.kill()
            process.wait()
    assert returncode == 0
    assert json.loads(line)["message_id"] == str(event.event_id)


async def test_relay_listen_is_refused_where_the_store_cannot_notify(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    if database.backend == "postgresql":
        pytest.skip("PostgreSQL can notify")
    status, _, err = await _cli(
        capsys, "relay", "--url", database.url, "--table", database.outbox.name,
        "--broker", "devnull", "--listen",
    )  # fmt: skip
    assert status == 2
    assert "LISTEN/NOTIFY" in err
