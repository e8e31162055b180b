"""The serializer protocol: an event (or any object with `to_dict()`) to bytes."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Serializer", "SupportsToDict"]


@runtime_checkable
class SupportsToDict(Protocol):
    """Anything with the project's `to_dict()`: requests, responses, events."""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict."""
        ...


@runtime_checkable
class Serializer(Protocol):
    """Turns an object into the bytes a broker carries."""

    def __call__(self, obj: SupportsToDict, /) -> bytes:
        """Serialize `obj`."""
        ...
