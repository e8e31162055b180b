"""Server-Sent Events from a StreamingRequestMediator: the seeds' FastAPI endpoint.

`POST /process-files` takes a `ProcessFilesCommand` body (a `cqrs.Request`
dataclass, which FastAPI validates like any dataclass) and answers with a
`text/event-stream`: a start line, one progress line per processed file
(`result.to_dict()`), and a complete line. Each file's event is handled before
its progress line is sent.

Serve it with `python examples/fastapi_sse.py` when uvicorn is installed (it
is not a dependency of this project), then
`curl -N -X POST localhost:8000/process-files -H 'content-type: application/json'
-d '{"file_ids": ["a", "b"]}'`; or drive `app` in-process with
`httpx.ASGITransport`, as tests/core/test_examples_events.py does.
"""

from __future__ import annotations

import functools
import importlib
import json
import typing
from datetime import datetime, timezone

import fastapi
import fastapi.responses

import cqrs
from cqrs.container.default import DefaultContainer
from cqrs.message_brokers.memory import InMemoryMessageBroker
from cqrs.requests import bootstrap


# Domain models
class ProcessFilesCommand(cqrs.Request):
    file_ids: list[str]


class FileProcessedResult(cqrs.Response):
    file_id: str
    status: str
    processed_at: datetime


# Domain events
class FileProcessedEvent(cqrs.DomainEvent, frozen=True):
    file_id: str


# Streaming handler (the shape of the seeds' stream handling overview)
class ProcessFilesCommandHandler(
    cqrs.StreamingRequestHandler[ProcessFilesCommand, FileProcessedResult]
):
    def __init__(self) -> None:
        self._events: list[cqrs.Event] = []

    @property
    def events(self) -> list[cqrs.Event]:
        return self._events.copy()

    def clear_events(self) -> None:
        self._events.clear()

    async def handle(
        self, request: ProcessFilesCommand
    ) -> typing.AsyncIterator[FileProcessedResult]:
        for file_id in request.file_ids:
            # Process file
            result = FileProcessedResult(
                file_id=file_id,
                status="completed",
                processed_at=datetime.now(timezone.utc),
            )
            # Emit events
            self._events.append(FileProcessedEvent(file_id=file_id))
            # Yield result - events will be processed after this yield
            yield result


# What the event handler did, so that a client (or a test) can see it.
PROCESSED_FILES: list[str] = []


class FileProcessedEventHandler(cqrs.EventHandler[FileProcessedEvent]):
    async def handle(self, event: FileProcessedEvent) -> None:
        PROCESSED_FILES.append(event.file_id)


# Mappers
def commands_mapper(mapper: cqrs.RequestMap) -> None:
    mapper.bind(ProcessFilesCommand, ProcessFilesCommandHandler)


def domain_events_mapper(mapper: cqrs.EventMap) -> None:
    mapper.bind(FileProcessedEvent, FileProcessedEventHandler)


container = DefaultContainer()
broker = InMemoryMessageBroker()
app = fastapi.FastAPI(title="cqrs SSE streaming")


@functools.cache
def streaming_mediator_factory() -> cqrs.StreamingRequestMediator:
    return bootstrap.bootstrap_streaming(
        di_container=container,
        commands_mapper=commands_mapper,
        domain_events_mapper=domain_events_mapper,
        message_broker=broker,
        max_concurrent_event_handlers=3,
        concurrent_event_handle_enable=True,
    )


@app.post("/process-files")
async def process_files_stream(
    command: ProcessFilesCommand,
    mediator: cqrs.StreamingRequestMediator = fastapi.Depends(  # noqa: B008 (FastAPI's idiom)
        streaming_mediator_factory
    ),
) -> fastapi.responses.StreamingResponse:
    async def generate_sse() -> typing.AsyncIterator[str]:
        yield f"data: {json.dumps({'type': 'start', 'message': 'Processing...'})}\n\n"

        async for result in mediator.stream(command):
            sse_data = {
                "type": "progress",
                "data": result.to_dict(),
            }
            yield f"data: {json.dumps(sse_data)}\n\n"

        yield f"data: {json.dumps({'type': 'complete'})}\n\n"

    return fastapi.responses.StreamingResponse(
        generate_sse(),
        media_type="text/event-stream",
    )


if __name__ == "__main__":
    try:
        uvicorn = importlib.import_module("uvicorn")
    except ImportError:
        raise SystemExit(
            "uvicorn is not installed: pip install uvicorn, then run python examples/fastapi_sse.py"
        ) from None
    uvicorn.run(app, host="127.0.0.1", port=8000)
