"""Suite-wide fixtures: the event loop every `@pytest.mark.anyio` test runs on.

`CQRS_TEST_LOOP` picks the loop (`make test-matrix` runs each at least once):

- `default` (or unset): a plain asyncio loop;
- `debug`: asyncio debug mode, which reports never-awaited coroutines with where they
  were created, non-threadsafe calls from other threads and slow callbacks;
- `eager`: a loop whose task factory is `asyncio.eager_task_factory` (Python 3.12+), so
  every task runs its first step synchronously inside `create_task`; code that relies
  on a new task not having started yet fails here.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import pytest

LOOP_MODES = ("default", "debug", "eager")


def loop_mode() -> str:
    """The event loop mode requested through `CQRS_TEST_LOOP` (`default` when unset)."""
    return os.environ.get("CQRS_TEST_LOOP", "").strip().lower() or "default"


def _eager_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
    return loop


def pytest_configure(config: pytest.Config) -> None:
    mode = loop_mode()
    if mode not in LOOP_MODES:
        raise pytest.UsageError(
            f"CQRS_TEST_LOOP={mode!r} is not a known loop mode; use one of {LOOP_MODES}"
        )
    if mode == "eager" and sys.version_info < (3, 12):
        raise pytest.UsageError(
            "CQRS_TEST_LOOP=eager needs asyncio.eager_task_factory (Python 3.12+); this is "
            f"Python {sys.version_info.major}.{sys.version_info.minor}: use 'default' or 'debug'"
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"cqrs test event loop: {loop_mode()} (CQRS_TEST_LOOP)"


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    mode = loop_mode()
    if mode == "debug":
        return "asyncio", {"debug": True}
    if mode == "eager":
        return "asyncio", {"loop_factory": _eager_loop}
    return "asyncio", {}


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
