"""Response types: the `IResponse` protocol and its dataclass default `Response`."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from cqrs._model import DataModel
from cqrs._typing import Self

__all__ = ["DCResponse", "IResponse", "Response"]


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
