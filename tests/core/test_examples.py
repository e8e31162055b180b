"""The runnable examples run, and print what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class TestDemo:
    def test_demo_runs_the_whole_tour(self) -> None:
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "demo.py")],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        out = result.stdout
        assert "query      -> OrderView(order_id='ord-1', amount=99.99)" in out
        assert "published  -> orders: OrderPlaced {'order_id': 'ord-1', 'amount': 99.99}" in out
        assert "streamed   -> ord-2 (its event already handled: 'shipped ord-2')" in out
        assert "chain      -> Paid(by='bank')" in out
        assert "fallback   -> Price(amount=9.5, source='cache')" in out
        assert "'stream ShipOrders'" in out
        assert result.stderr == ""
