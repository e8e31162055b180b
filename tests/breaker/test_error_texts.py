"""Every `cqrs.…` name that a breaker error message tells users to use exists."""

from __future__ import annotations

import importlib
import re

import pytest
import redis.asyncio

from cqrs.breaker import AioBreakerAdapter, BreakerConfigurationError
from cqrs.breaker.storage import blocking_redis_storage_factory

_DOTTED = re.compile(r"\bcqrs(?:\.\w+)+")


def _missing_names(message: str) -> list[str]:
    """The dotted `cqrs` names cited in `message` that do not resolve."""
    missing = []
    for dotted in _DOTTED.findall(message):
        module_name, _, attribute = dotted.rpartition(".")
        try:
            value = getattr(importlib.import_module(module_name), attribute, None)
        except ImportError:
            value = None
        if value is None:
            try:
                importlib.import_module(dotted)
            except ImportError:
                missing.append(dotted)
    return missing


class TestErrorTextsNameWhatExists:
    @pytest.mark.anyio
    async def test_bad_storage_message_names_an_existing_factory(self) -> None:
        adapter = AioBreakerAdapter(storage_factory=lambda name: object())  # type: ignore[arg-type,return-value]

        async def answer() -> str:
            return "ok"

        with pytest.raises(BreakerConfigurationError) as caught:
            await adapter.call("svc", answer)

        assert "RedisStorageFactory" in str(caught.value)
        assert _missing_names(str(caught.value)) == []

    @pytest.mark.anyio
    async def test_async_client_message_names_an_existing_factory(self) -> None:
        client = redis.asyncio.Redis()  # never connects: the factory refuses it first
        try:
            with pytest.raises(BreakerConfigurationError) as caught:
                blocking_redis_storage_factory(client)
        finally:
            await client.aclose()

        assert "RedisStorageFactory" in str(caught.value)
        assert _missing_names(str(caught.value)) == []

    def test_the_checker_finds_a_name_that_does_not_exist(self) -> None:
        assert _missing_names("use cqrs.breaker.redis_storage.nothing_here(...)") == [
            "cqrs.breaker.redis_storage.nothing_here"
        ]
