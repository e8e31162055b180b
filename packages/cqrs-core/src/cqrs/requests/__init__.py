"""Requests: types, handlers, the request map and fallbacks.

The bootstrap (`cqrs.requests.bootstrap`) and the Mermaid diagrams
(`cqrs.requests.mermaid`) are submodules, imported on their own.
"""

from __future__ import annotations

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
