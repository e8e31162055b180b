"""Requests: types, handlers, the request map, fallbacks and bootstrap.

The names below are re-exported lazily (PEP 562) so that importing one
submodule never drags in the others, which keeps the import graph acyclic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cqrs.requests.cor_request_handler import CORRequestHandler
    from cqrs.requests.fallback import RequestHandlerFallback
    from cqrs.requests.map import RequestMap
    from cqrs.requests.request import DCRequest, IRequest, Request
    from cqrs.requests.request_handler import RequestHandler, StreamingRequestHandler

__all__ = [
    "CORRequestHandler",
    "DCRequest",
    "IRequest",
    "Request",
    "RequestHandler",
    "RequestHandlerFallback",
    "RequestMap",
    "StreamingRequestHandler",
]

_WHERE = {
    "CORRequestHandler": "cqrs.requests.cor_request_handler",
    "DCRequest": "cqrs.requests.request",
    "IRequest": "cqrs.requests.request",
    "Request": "cqrs.requests.request",
    "RequestHandler": "cqrs.requests.request_handler",
    "RequestHandlerFallback": "cqrs.requests.fallback",
    "RequestMap": "cqrs.requests.map",
    "StreamingRequestHandler": "cqrs.requests.request_handler",
}


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'cqrs.requests' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
