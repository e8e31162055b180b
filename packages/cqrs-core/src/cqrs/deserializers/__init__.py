"""Deserializers: the bytes a message broker carries back to requests, responses and events."""

from __future__ import annotations

from cqrs.deserializers.exceptions import DeserializeError, DeserializeJsonError
from cqrs.deserializers.json import JsonDeserializer
from cqrs.deserializers.protocol import Deserializable, Deserializer, SupportsFromDict

__all__ = [
    "Deserializable",
    "DeserializeError",
    "DeserializeJsonError",
    "Deserializer",
    "JsonDeserializer",
    "SupportsFromDict",
]
