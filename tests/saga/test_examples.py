"""The saga examples (the seeds' order saga, fallback + breaker, recovery, history, Mermaid)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_example(name: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


class TestExamples:
    def test_order_saga_completes_then_compensates_in_reverse(self) -> None:
        out = run_example("saga_order.py")
        assert out.count("Step completed: ShipOrderStep") == 1
        assert "event: order 123 reserved" in out
        refund = out.index("refunded payment pay-456")
        assert refund < out.index("released reservation res-456") < out.index("failed: no courier")
        assert "status: completed" in out
        assert "status: compensated" in out
        assert "ShipOrderStep - act - failed" in out

    def test_fallback_saga_opens_the_circuit_after_two_failures(self) -> None:
        pytest.importorskip("aiobreaker")
        out = run_example("saga_fallback.py")
        assert out.splitlines() == [
            "saga 1: primary failed, FallbackStep -> fallback_reservation_1",
            "saga 2: primary failed, FallbackStep -> fallback_reservation_2",
            "saga 3: circuit open, FallbackStep -> fallback_reservation_3",
        ]

    def test_recovery_resumes_after_the_last_completed_step(self) -> None:
        out = run_example("saga_recovery.py")
        assert out.count("reserving for 123") == 1
        assert "status: running" in out
        assert "status: completed" in out
        assert "'payment_id': 'pay-123'" in out
        assert "ProcessPaymentStep - act - completed" in out

    def test_mermaid_prints_both_diagrams(self) -> None:
        out = run_example("saga_mermaid.py")
        assert out.startswith("sequenceDiagram\n")
        assert "\nclassDiagram\n" in out
        assert "ReserveInventoryStep ..> ReserveFromPartnerStep : fallback" in out

    def test_sqlite_saga_killed_mid_run_is_recovered(self) -> None:
        out = run_example("saga_sqlite_recovery.py")
        assert "worker process ended by signal 9 (SIGKILL)" in out
        assert "after the crash: running" in out
        assert out.count("reserving stock for 42") == 1
        assert out.count("charging card") == 1
        assert "recovered: completed" in out
        assert out.endswith(
            "  ReserveStock - act - completed\n"
            "  ChargeCard - act - completed\n"
            "  ShipOrder - act - completed\n"
        )
