"""The loop switch of tests/conftest.py really changes the loop the async tests run on."""

from __future__ import annotations

import asyncio
import os

import pytest

MODE = os.environ.get("CQRS_TEST_LOOP", "").strip().lower() or "default"


@pytest.mark.anyio
@pytest.mark.skipif(MODE != "debug", reason="runs under CQRS_TEST_LOOP=debug")
async def test_debug_mode_runs_a_debug_loop() -> None:
    assert asyncio.get_running_loop().get_debug()


@pytest.mark.anyio
@pytest.mark.skipif(MODE != "eager", reason="runs under CQRS_TEST_LOOP=eager")
async def test_eager_mode_starts_tasks_inside_create_task() -> None:
    started: list[str] = []

    async def child() -> None:
        started.append("child")

    task = asyncio.get_running_loop().create_task(child())

    assert started == ["child"]  # ran before create_task returned
    await task


@pytest.mark.anyio
@pytest.mark.skipif(MODE != "default", reason="runs under the default loop")
async def test_default_mode_runs_a_plain_loop() -> None:
    loop = asyncio.get_running_loop()

    assert (loop.get_debug(), loop.get_task_factory()) == (False, None)
