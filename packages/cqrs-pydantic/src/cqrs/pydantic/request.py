"""Pydantic requests: `Request[Result]`, a `pydantic.BaseModel` implementing `cqrs.IRequest`.

The type parameter names the response type for type checkers, as in the dataclass
flavour: with `class GetOrder(Request[OrderView])`, `await mediator.send(GetOrder(...))`
is an `OrderView`. `Request` is a generic pydantic model (its parameter comes from
`IRequest[ResT]`, a `typing.Generic`), so at run time `Request[OrderView]` is pydantic's
cached parametrisation: a subclass of `Request` with the same fields, since no field uses
the parameter. A bare `class Cmd(Request)` means `Request[Any]`.
"""

from __future__ import annotations

from cqrs.pydantic._base import WireModel
from cqrs.requests.request import IRequest, ResT

__all__ = ["Request"]


class Request(WireModel, IRequest[ResT]):
    """Pydantic request: `class CreateUser(Request[UserView]): name: str`.

    Fields validate on construction (pydantic's `ValidationError`); `to_dict()` /
    `from_dict(**d)` use the wire format of `cqrs.Request`. Mutable, like the dataclass
    flavour's requests.
    """
