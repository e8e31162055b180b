from __future__ import annotations

import json
from collections.abc import Callable

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _deepest_json(nested: Callable[[int], str]) -> int:
    low, high = 1, 100_000
    while low < high:
        middle = (low + high + 1) // 2
        try:
            json.loads(nested(middle))
        except RecursionError:
            high = middle - 1
        else:
            low = middle
    return low


@pytest.fixture
def deepest_json() -> Callable[[Callable[[int], str]], int]:
    """`deepest_json(nested)`: the largest depth `d` whose `nested(d)` text `json.loads`
    parses from the calling test (it depends on the Python version and the stack)."""
    return _deepest_json
