"""Chain of responsibility: handlers that either answer or pass the request on.

Defined in `cqrs._handlers`, the leaf module that requests and events share.
"""

from __future__ import annotations

from cqrs._handlers import CORRequestHandler, build_chain

__all__ = ["CORRequestHandler", "build_chain"]
