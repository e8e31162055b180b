"""examples/circuit_breaker.py, the seeds' circuit breaker configuration, runs and shows it open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_example() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "circuit_breaker.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


class TestCircuitBreakerExample:
    def test_prints_the_sources_as_the_circuit_opens(self) -> None:
        lines = run_example().stdout.splitlines()

        assert lines == [
            "request 1: a:primary b:primary a:fallback b:fallback c:fallback d:fallback"
            " | primary called, circuit closed, failures 1",
            "request 2: a:fallback b:fallback c:fallback d:fallback"
            " | primary called, circuit closed, failures 2",
            "log: circuit breaker __main__.PrimaryStreamItemsHandler: closed -> open",
            "request 3: a:fallback b:fallback c:fallback d:fallback"
            " | primary called, circuit open, failures 3",
            "request 4: a:fallback b:fallback c:fallback d:fallback"
            " | primary not called, circuit open, failures 3",
        ]

    def test_writes_nothing_to_stderr(self) -> None:
        assert run_example().stderr == ""
