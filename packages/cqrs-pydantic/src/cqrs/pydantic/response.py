"""Pydantic responses: `Response`, a `pydantic.BaseModel` implementing `cqrs.IResponse`."""

from __future__ import annotations

from cqrs.pydantic._base import WireModel
from cqrs.response import IResponse

__all__ = ["Response"]


class Response(WireModel, IResponse):
    """Pydantic response: `class UserView(Response): user_id: str`.

    Also a good base for event payloads. Fields validate on construction; `to_dict()` /
    `from_dict(**d)` use the wire format of `cqrs.Response`, so either flavour reads the
    other's output. Mutable, like the dataclass flavour's responses.
    """
