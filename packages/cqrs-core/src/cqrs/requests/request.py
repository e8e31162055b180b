"""Request types: the `IRequest` protocol and its dataclass default `Request`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cqrs._extras import ExtraName, resolve_extra
from cqrs._model import DataModel
from cqrs._typing import Self, TypeVar

__all__ = ["DCRequest", "IRequest", "Request"]

if TYPE_CHECKING:  # the lazy names below, typed for checkers
    from cqrs.pydantic import Request as PydanticRequest  # noqa: F401

# python-cqrs 4.x defined the pydantic flavour here; it lives in cqrs-pydantic now.
_EXTRAS: dict[str, ExtraName] = {"PydanticRequest": ("cqrs.pydantic", "Request", "cqrs-pydantic")}


def __getattr__(name: str) -> Any:
    """Resolve `PydanticRequest` from cqrs-pydantic (PEP 562)."""
    return resolve_extra(globals(), _EXTRAS, name)


#: The response type a request is answered with. It defaults to `Any`, so a bare
#: `class Cmd(cqrs.Request)` is fine; `class Q(cqrs.Request[Result])` lets a type
#: checker infer `await mediator.send(Q(...))` as `Result`.
ResT = TypeVar("ResT", covariant=True, default=Any)


@runtime_checkable
class IRequest(Protocol[ResT]):
    """What mediators accept: an object that converts to and from a dict.

    Subclass it explicitly for a custom implementation (see the README); the
    type parameter names the response type for type checkers only.
    """

    def to_dict(self) -> dict[str, Any]:
        """Return the request as a JSON-compatible dict with snake_case keys."""
        ...

    @classmethod
    def from_dict(cls, **kwargs: Any) -> Self:
        """Build the request from the output of `to_dict`."""
        ...


class Request(DataModel, IRequest[ResT], base=True):
    """Dataclass request: subclasses become keyword-only dataclasses, no decorator needed."""


#: The name python-cqrs gives to the dataclass flavour.
DCRequest = Request
