"""Response types: the `IResponse` protocol and its dataclass default `Response`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cqrs._extras import ExtraName, resolve_extra
from cqrs._model import DataModel
from cqrs._typing import Self

__all__ = ["DCResponse", "IResponse", "Response"]


if TYPE_CHECKING:  # the lazy names below, typed for checkers
    from cqrs.pydantic import Response as PydanticResponse  # noqa: F401

# python-cqrs 4.x defined the pydantic flavour here; it lives in cqrs-pydantic now.
_EXTRAS: dict[str, ExtraName] = {"PydanticResponse": ("cqrs.pydantic", "Response", "cqrs-pydantic")}


def __getattr__(name: str) -> Any:
    """Resolve `PydanticResponse` from cqrs-pydantic (PEP 562)."""
    return resolve_extra(globals(), _EXTRAS, name)


@runtime_checkable
class IResponse(Protocol):
    """What handlers return: an object that converts to and from a dict."""

    def to_dict(self) -> dict[str, Any]:
        """Return the response as a JSON-compatible dict with snake_case keys."""
        ...

    @classmethod
    def from_dict(cls, **kwargs: Any) -> Self:
        """Build the response from the output of `to_dict`."""
        ...


class Response(DataModel, IResponse, base=True):
    """Dataclass response: subclasses become keyword-only dataclasses, no decorator needed."""


#: The name python-cqrs gives to the dataclass flavour.
DCResponse = Response
