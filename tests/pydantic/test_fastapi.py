"""Pydantic requests and responses as FastAPI request bodies and response models."""

from __future__ import annotations

import datetime as dt
import uuid

import fastapi
import httpx
import pytest

import cqrs
import cqrs.pydantic
from cqrs.requests import bootstrap


class Account(cqrs.pydantic.Response):
    account_id: uuid.UUID
    owner: str
    opened_at: dt.datetime


class OpenAccount(cqrs.pydantic.Request[Account]):
    owner: str
    opened_at: dt.datetime


ACCOUNT_ID = uuid.UUID("00000000-0000-0000-0000-0000000000ab")


class OpenAccountHandler(cqrs.RequestHandler[OpenAccount, Account]):
    async def handle(self, request: OpenAccount) -> Account:
        return Account(account_id=ACCOUNT_ID, owner=request.owner, opened_at=request.opened_at)


def make_app() -> fastapi.FastAPI:
    mediator = bootstrap.bootstrap(
        commands_mapper=lambda m: m.bind(OpenAccount, OpenAccountHandler)
    )
    app = fastapi.FastAPI()

    @app.post("/accounts")
    async def open_account(command: OpenAccount) -> Account:
        return await mediator.send(command)

    return app


async def post(body: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/accounts", json=body)


@pytest.mark.anyio
class TestFastAPI:
    async def test_request_body_and_response_model(self) -> None:
        response = await post({"owner": "Ann", "opened_at": "2026-05-17T09:30:00+00:00"})
        assert response.status_code == 200
        body = response.json()
        assert body["account_id"] == str(ACCOUNT_ID)
        assert body["owner"] == "Ann"
        assert dt.datetime.fromisoformat(body["opened_at"].replace("Z", "+00:00")) == dt.datetime(
            2026, 5, 17, 9, 30, tzinfo=dt.timezone.utc
        )

    async def test_response_json_is_readable_by_from_dict(self) -> None:
        response = await post({"owner": "Ann", "opened_at": "2026-05-17T09:30:00+00:00"})
        account = Account.from_dict(**response.json())
        assert account.owner == "Ann"

    async def test_invalid_body_is_a_422_naming_the_field(self) -> None:
        response = await post({"owner": "Ann", "opened_at": "not a date"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "opened_at"]
