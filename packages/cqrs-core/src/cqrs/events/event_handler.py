"""Event handlers.

Defined in `cqrs._handlers`, the leaf module that requests and events share.
"""

from __future__ import annotations

from cqrs._handlers import EventHandler

__all__ = ["EventHandler"]
