"""The README's tour runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


class TestReadme:
    def test_tour_runs_and_prints_the_wire_format(self) -> None:
        blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
        assert blocks, "the README has no python block"
        result = subprocess.run(
            [sys.executable, "-c", blocks[0]],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert result.stdout.strip() == "{'order_id': 'ord-1', 'amount': 99.99}"

    def test_opens_with_the_two_commands(self) -> None:
        head = README.read_text()[:1500]
        assert "make demo" in head
        assert "make test" in head
