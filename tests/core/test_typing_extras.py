"""The lazy top-level names of the extras have real types for checkers.

mypy --strict (`make typecheck`, which covers tests/) checks this file: with the
names typed as `Any` (no `if TYPE_CHECKING:` block in `cqrs/__init__.py`),
subclassing `cqrs.PydanticRequest` is an error under `disallow_subclassing_any`
and the `assert_type`s fail. At run time the file checks that what the checker
sees is what `cqrs.<name>` resolves to, and that no lazy name is missing from
the block. Without cqrs-pydantic (the core-only run) it skips.
"""

from __future__ import annotations

import ast
import contextlib
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

pytest.importorskip("cqrs.pydantic")
pytest.importorskip("cqrs.adapters.circuit_breaker")

import cqrs
import cqrs.pydantic
from cqrs.adapters.circuit_breaker import AioBreakerAdapter
from cqrs.requests import bootstrap


class Quote(cqrs.PydanticResponse):
    price: float


class GetQuote(cqrs.PydanticRequest[Quote]):
    symbol: str


class Priced(cqrs.PydanticDomainEvent):
    symbol: str


class GetQuoteHandler(cqrs.RequestHandler[GetQuote, Quote]):
    async def handle(self, request: GetQuote) -> Quote:
        return Quote(price=1.25)


def _type_checking_names() -> set[str]:
    tree = ast.parse(Path(cqrs.__file__).read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.Assign):
                    names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
                elif isinstance(statement, ast.ImportFrom):
                    # `from m import f as f`: the explicit re-export form (for functions).
                    names.update(a.name for a in statement.names if a.asname == a.name)
    return names


class TestLazyNamesForCheckers:
    def test_pydantic_request_is_the_pydantic_class(self) -> None:
        # Not `Any` for mypy: `GetQuote` above subclasses it under disallow_subclassing_any.
        assert issubclass(assert_type(GetQuote, type[GetQuote]), cqrs.pydantic.Request)
        assert cqrs.PydanticRequest is cqrs.pydantic.Request

    def test_breaker_adapter_is_the_adapter_class(self) -> None:
        adapter_type = assert_type(cqrs.AioBreakerAdapter, type[AioBreakerAdapter])
        assert adapter_type is AioBreakerAdapter

    @pytest.mark.anyio
    async def test_send_of_a_pydantic_request_is_typed(self) -> None:
        mediator = bootstrap.bootstrap(
            queries_mapper=lambda m: m.bind(GetQuote, GetQuoteHandler),
        )
        quote = assert_type(await mediator.send(GetQuote(symbol="ACME")), Quote)
        assert quote.price == 1.25

    def test_a_pydantic_event_subclass_keeps_its_fields(self) -> None:
        event = Priced(symbol="ACME")
        assert assert_type(event.symbol, str) == "ACME"

    def test_every_resolvable_lazy_name_is_in_the_type_checking_block(self) -> None:
        lazy = set(dir(cqrs)) - set(cqrs.__all__)
        resolvable = set()
        for name in lazy:
            with contextlib.suppress(ImportError):
                getattr(cqrs, name)
                resolvable.add(name)
        assert resolvable, "no extra is installed: this test checks nothing"
        assert sorted(resolvable - _type_checking_names()) == []
