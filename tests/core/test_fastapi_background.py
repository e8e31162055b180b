"""`mediator.send` as a FastAPI/Starlette background task, driven over HTTP."""

from __future__ import annotations

import pytest

import cqrs
from cqrs.requests import bootstrap

try:
    import fastapi
    import httpx
except ImportError:  # the core-only venv has neither
    pytest.skip("needs fastapi and httpx", allow_module_level=True)

pytestmark = pytest.mark.anyio

SENT: list[str] = []


class Register(cqrs.Request[None]):
    name: str


class RegisterHandler(cqrs.RequestHandler[Register, None]):
    async def handle(self, request: Register) -> None:
        SENT.append(request.name)


def make_app() -> fastapi.FastAPI:
    mediator = bootstrap.bootstrap(commands_mapper=lambda m: m.bind(Register, RegisterHandler))
    app = fastapi.FastAPI()

    @app.post("/register/{name}", status_code=202)  # type: ignore[untyped-decorator,unused-ignore]
    async def register(name: str, background_tasks: fastapi.BackgroundTasks) -> None:
        # Starlette runs a non-coroutine function in a thread and drops what it returns:
        # this only works because send is `async def`.
        background_tasks.add_task(mediator.send, Register(name=name))

    return app


async def test_background_task_runs_the_command() -> None:
    SENT.clear()
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.post("/register/alice")
    assert response.status_code == 202
    assert SENT == ["alice"]
