"""The event examples run: the seeds' streaming orders script and the FastAPI SSE app."""

from __future__ import annotations

import datetime
import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


# -- examples/streaming_orders.py --------------------------------------------------------


@pytest.fixture(scope="module")
def streaming_orders_output() -> list[str]:
    """The lines examples/streaming_orders.py prints (run once for this module)."""
    pytest.importorskip("di", reason="examples/streaming_orders.py uses the di container")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "streaming_orders.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stderr == ""
    return result.stdout.splitlines()


ORDERS = ["order1", "order2", "order3"]


class TestStreamingOrdersExample:
    def test_every_order_is_streamed_in_order(self, streaming_orders_output: list[str]) -> None:
        lines = streaming_orders_output

        assert [line for line in lines if line.startswith("Processed: ")] == [
            f"Processed: {order}" for order in ORDERS
        ]

    def test_the_event_handlers_print_for_every_order(
        self, streaming_orders_output: list[str]
    ) -> None:
        lines = streaming_orders_output

        for order in ORDERS:
            assert f"Order {order} processed for customer customer_{order}" in lines
            assert f"Analytics updated for order {order} in category electronics" in lines

    def test_an_orders_events_are_handled_before_it_is_delivered(
        self, streaming_orders_output: list[str]
    ) -> None:
        lines = streaming_orders_output

        for order in ORDERS:
            delivered = lines.index(f"Processed: {order}")
            assert lines.index(f"Order {order} processed for customer customer_{order}") < delivered
            assert (
                lines.index(f"Analytics updated for order {order} in category electronics")
                < delivered
            )

    def test_nothing_else_is_printed(self, streaming_orders_output: list[str]) -> None:
        assert len(streaming_orders_output) == 3 * len(ORDERS)


# -- examples/fastapi_sse.py -------------------------------------------------------------


@pytest.fixture
def sse_example(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A fresh import of examples/fastapi_sse.py (its state is per import)."""
    pytest.importorskip("fastapi", reason="examples/fastapi_sse.py needs FastAPI")
    pytest.importorskip("httpx", reason="the SSE example is driven through httpx")
    name = "cqrs_example_fastapi_sse"
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / "fastapi_sse.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses (and FastAPI) resolve annotations through sys.modules[cls.__module__].
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


async def post_files(example: types.ModuleType, body: Any) -> Any:
    import httpx

    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        return await client.post("/process-files", json=body)


def sse_events(text: str) -> list[dict[str, Any]]:
    """The JSON objects of `data: {...}\\n\\n` blocks; fails on anything else."""
    assert text.endswith("\n\n")
    blocks = text[: -len("\n\n")].split("\n\n")
    assert all(block.startswith("data: ") for block in blocks), blocks
    decoded: list[dict[str, Any]] = [json.loads(block[len("data: ") :]) for block in blocks]
    return decoded


class TestFastapiSseExample:
    @pytest.mark.anyio
    async def test_the_response_is_an_event_stream(self, sse_example: types.ModuleType) -> None:
        response = await post_files(sse_example, {"file_ids": ["f1"]})

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")

    @pytest.mark.anyio
    async def test_the_stream_starts_with_a_start_line(self, sse_example: types.ModuleType) -> None:
        response = await post_files(sse_example, {"file_ids": ["f1"]})

        assert sse_events(response.text)[0] == {"type": "start", "message": "Processing..."}

    @pytest.mark.anyio
    async def test_the_stream_ends_with_a_complete_line(
        self, sse_example: types.ModuleType
    ) -> None:
        response = await post_files(sse_example, {"file_ids": ["f1"]})

        assert sse_events(response.text)[-1] == {"type": "complete"}

    @pytest.mark.anyio
    async def test_one_progress_line_per_file_with_its_dict(
        self, sse_example: types.ModuleType
    ) -> None:
        response = await post_files(sse_example, {"file_ids": ["f1", "f2", "f3"]})

        progress = sse_events(response.text)[1:-1]
        assert [event["type"] for event in progress] == ["progress"] * 3
        assert [event["data"]["file_id"] for event in progress] == ["f1", "f2", "f3"]
        for event in progress:
            assert set(event["data"]) == {"file_id", "status", "processed_at"}
            assert event["data"]["status"] == "completed"
            stamp = datetime.datetime.fromisoformat(event["data"]["processed_at"])
            assert stamp.tzinfo is not None

    @pytest.mark.anyio
    async def test_the_progress_data_is_the_result_to_dict(
        self, sse_example: types.ModuleType
    ) -> None:
        response = await post_files(sse_example, {"file_ids": ["f1"]})

        data = sse_events(response.text)[1]["data"]
        result = sse_example.FileProcessedResult.from_dict(**data)
        assert result.to_dict() == data

    @pytest.mark.anyio
    async def test_the_event_handler_ran_for_every_file(
        self, sse_example: types.ModuleType
    ) -> None:
        await post_files(sse_example, {"file_ids": ["f1", "f2"]})

        assert sse_example.PROCESSED_FILES == ["f1", "f2"]

    @pytest.mark.anyio
    async def test_no_files_gives_start_and_complete_only(
        self, sse_example: types.ModuleType
    ) -> None:
        response = await post_files(sse_example, {"file_ids": []})

        assert [event["type"] for event in sse_events(response.text)] == ["start", "complete"]

    @pytest.mark.anyio
    async def test_the_request_dataclass_is_validated_as_the_body(
        self, sse_example: types.ModuleType
    ) -> None:
        response = await post_files(sse_example, {"file_ids": "not a list"})

        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "file_ids"]

    @pytest.mark.anyio
    async def test_a_missing_field_is_rejected(self, sse_example: types.ModuleType) -> None:
        response = await post_files(sse_example, {})

        assert response.status_code == 422
