"""Request handlers: plain (`send`) and streaming (`stream`).

Defined in `cqrs._handlers`, the leaf module that requests and events share.
"""

from __future__ import annotations

from cqrs._handlers import RequestHandler, StreamingRequestHandler, clear_handler_events

__all__ = ["RequestHandler", "StreamingRequestHandler", "clear_handler_events"]
