"""Type variables of requests and responses, at the path python-cqrs gives them.

`ReqT` stands for a request type and `ResT` for the response type a request is answered
with, as in `RequestHandler[ReqT, ResT]`. They are the type variables `cqrs.Request`
itself is generic in, so annotations written with them check the same way.
"""

from __future__ import annotations

from typing import TypeVar

from cqrs.requests.request import IRequest, ResT

__all__ = ["ReqT", "ResT"]

#: A request type (contravariant: a handler of a base request accepts its subclasses).
ReqT = TypeVar("ReqT", bound=IRequest, contravariant=True)
