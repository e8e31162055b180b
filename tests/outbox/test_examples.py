"""examples/outbox_demo.py (part of `make demo`) runs and shows what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_outbox_demo_delivers_the_event_and_the_inbox_applies_it_once(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "outbox_demo.py"), str(tmp_path / "demo.db")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "command    -> order ord-1 and its OrderPlaced event committed together"
    assert (
        lines[1] == "relay      -> 1 delivered: OrderPlaced {'item': 'book', 'order_id': 'ord-1'}"
    )
    assert lines[2].endswith(" processed")
    assert lines[3].endswith(" already processed, skipped")
    assert lines[4] == "read model -> 1 book order(s)"
    assert result.stderr == ""
