"""Serializers: objects with `to_dict()` to the bytes a message broker carries."""

from __future__ import annotations

from cqrs.serializers.json import JsonSerializer, serialize_event
from cqrs.serializers.protocol import Serializer, SupportsToDict

__all__ = ["JsonSerializer", "Serializer", "SupportsToDict", "serialize_event"]
