"""Errors raised by deserializers."""

from __future__ import annotations

from typing import Any

from cqrs.exceptions import CQRSError

__all__ = ["DeserializeError"]


class DeserializeError(CQRSError, ValueError):
    """Bytes from a broker could not be turned into the expected model.

    `data` is the raw input, unchanged (for a dead-letter queue or a log);
    `model` is the class it was meant to become. The underlying error, if any,
    is chained as `__cause__`.
    """

    def __init__(self, message: str, *, data: bytes | str, model: type[Any] | None = None) -> None:
        super().__init__(message)
        self.data = data
        self.model = model
