"""Instruction counts per operation under callgrind, as multiples of the floor's.

Wall-clock figures on a shared machine drift by tens of percent from one run to
the next; the number of instructions executed does not. Each scenario (and the
floor) runs twice under `valgrind --tool=callgrind`, with `n` and `2n`
operations: the difference of the two totals, divided by `n`, is the cost of one
operation without the interpreter's start-up and imports.

    uv run python bench/instructions.py                      # every scenario
    uv run python bench/instructions.py "saga, 3 steps, memory storage" [-n 2000]
    uv run python bench/instructions.py --list

Needs `valgrind` on PATH. Scenario names are those of `scenarios.py` (a unique
prefix is enough); `-n` defaults to a length that keeps each callgrind run short.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import SCENARIOS, Runner, floor

FLOOR = "floor"
_TOTALS = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def _runner(name: str) -> Runner:
    if name == FLOOR:
        return floor()
    return next(s for s in SCENARIOS if s.name == name).build()


def _child(name: str, n: int) -> None:
    """Run `n` operations of `name` once, after a warm-up (what callgrind measures)."""
    run = _runner(name)

    async def main() -> None:
        await run(50)  # warm caches, lazy imports, plans
        await run(n)

    asyncio.run(main())


def _instructions(name: str, n: int, workdir: Path) -> int:
    out = workdir / "callgrind.out"
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        name,
        "-n",
        str(n),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(command, check=True, capture_output=True, env=env)
    match = _TOTALS.search(out.read_text())
    if match is None:  # pragma: no cover - a callgrind without totals
        raise RuntimeError(f"no totals in {out}")
    out.unlink()
    return int(match.group(1))


def per_operation(name: str, n: int, per: int = 1) -> float:
    """Instructions of one operation of `name`: (count(2n) - count(n)) / (n * per)."""
    with tempfile.TemporaryDirectory() as workdir:
        short = _instructions(name, n, Path(workdir))
        long = _instructions(name, 2 * n, Path(workdir))
    return (long - short) / (n * per)


def _resolve(prefixes: list[str]) -> list[tuple[str, int, int]]:
    chosen = []
    for prefix in prefixes:
        matches = [s for s in SCENARIOS if s.name.startswith(prefix)]
        if len(matches) != 1:
            names = "\n  ".join(s.name for s in SCENARIOS)
            raise SystemExit(f"{prefix!r} matches {len(matches)} scenarios; one of:\n  {names}")
        chosen.append(matches[0])
    scenarios = chosen or SCENARIOS
    # Runs of about the same length whatever the scenario: fewer operations for costlier ones.
    return [(s.name, s.per, max(200, int(200_000 // (s.target * s.per)))) for s in scenarios]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenarios", nargs="*", help="scenario names or unique prefixes")
    parser.add_argument("-n", type=int, help="operations in the short run (the long one: 2n)")
    parser.add_argument("--floor-n", type=int, default=50_000, help="floor operations (short)")
    parser.add_argument("--list", action="store_true", help="list the scenario names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.n)
        return 0
    if args.list:
        print("\n".join(s.name for s in SCENARIOS))
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH (apt-get install valgrind)")
    chosen = _resolve(args.scenarios)
    floor = per_operation(FLOOR, args.floor_n)
    print(f"python {sys.version.split()[0]}, callgrind instructions per operation")
    print("| scenario | instructions/op | ×floor |\n|---|---:|---:|")
    print(f"| floor: await handler.handle(request) | {floor:,.0f} | 1.0 |")
    for name, per, n in chosen:
        count = per_operation(name, args.n or n, per)
        print(f"| {name} | {count:,.0f} | {count / floor:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
