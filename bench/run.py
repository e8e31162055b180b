"""Speed harness: median µs per operation and its ratio to the floor, measured in one run.

The floor is a bare `await handler.handle(request)`. Scenarios and the floor
are interleaved in every repeat, so machine noise hits them alike; the ratio of
medians is what the targets of DESIGN.md §7 constrain. The pairs of `pairs.py`
(a subject and its baseline) are interleaved the same way and reported as
subject / baseline.

    uv run python bench/run.py [--repeats 7] [--seconds 0.2] [--check] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pairs import PAIRS
from scenarios import SCENARIOS, Runner, floor


async def _calibrate(run: Runner, seconds: float) -> int:
    n = 16
    while True:
        start = time.perf_counter()
        await run(n)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 4:
            return max(16, int(n * seconds / elapsed))
        n *= 4


async def _time(run: Runner, n: int) -> float:
    gc.collect()
    start = time.perf_counter()
    await run(n)
    return time.perf_counter() - start


async def measure(repeats: int, seconds: float) -> list[dict[str, object]]:
    """Run every scenario, pair and the floor `repeats` times, interleaved; return the rows."""
    runners = [("floor", floor(), 1)] + [(s.name, s.build(), s.per) for s in SCENARIOS]
    for pair in PAIRS:
        runners += [(f"{pair.name}: subject", pair.subject(), 1)]
        runners += [(f"{pair.name}: baseline", pair.baseline(), 1)]
    counts = []
    for _, run, _ in runners:
        await run(200)  # warm up
        counts.append(await _calibrate(run, seconds))
    samples: dict[str, list[float]] = {name: [] for name, _, _ in runners}
    for _ in range(repeats):
        for (name, run, per), n in zip(runners, counts):
            elapsed = await _time(run, n)
            samples[name].append(elapsed / (n * per) * 1e6)
    floor_us = statistics.median(samples["floor"])
    rows: list[dict[str, object]] = [
        {"scenario": "floor: await handler.handle(request)", "us": floor_us, "ratio": 1.0}
    ]
    for scenario in SCENARIOS:
        us = statistics.median(samples[scenario.name])
        rows.append(
            {
                "scenario": scenario.name,
                "us": us,
                "ratio": us / floor_us,
                "target": scenario.target,
                "ok": us / floor_us <= scenario.target,
            }
        )
    for pair in PAIRS:
        subject = statistics.median(samples[f"{pair.name}: subject"])
        baseline = statistics.median(samples[f"{pair.name}: baseline"])
        rows.append(
            {
                "pair": pair.name,
                "us": subject,
                "baseline_us": baseline,
                "ratio": subject / baseline,
                "target": pair.target,
                "ok": subject / baseline <= pair.target,
            }
        )
    return rows


def render(rows: list[dict[str, object]]) -> str:
    """Markdown tables of the rows: scenarios against the floor, then the pairs."""
    lines = ["| scenario | µs/op | ×floor | target ×floor | |", "|---|---:|---:|---:|---|"]
    for row in rows:
        if "pair" in row:
            continue
        target = row.get("target")
        verdict = "" if target is None else ("ok" if row["ok"] else "MISSED")
        lines.append(
            f"| {row['scenario']} | {row['us']:.3f} | {row['ratio']:.1f} | "
            f"{'' if target is None else f'≤ {target:g}'} | {verdict} |"
        )
    lines += ["", "| pair: subject / baseline | µs/op | baseline µs/op | ratio | target | |"]
    lines.append("|---|---:|---:|---:|---:|---|")
    for row in rows:
        if "pair" in row:
            lines.append(
                f"| {row['pair']} | {row['us']:.3f} | {row['baseline_us']:.3f} | "
                f"{row['ratio']:.2f} | ≤ {row['target']:g} | {'ok' if row['ok'] else 'MISSED'} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2, help="per sample")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    rows = asyncio.run(measure(args.repeats, args.seconds))
    print(f"python {sys.version.split()[0]}, {args.repeats} repeats, median")
    print(render(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    missed = [row.get("scenario", row.get("pair")) for row in rows if row.get("ok") is False]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
