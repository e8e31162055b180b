"""What deserializers report: the `DeserializeError` they raise and the `DeserializeJsonError`
they return (python-cqrs's contract, where a consumer routes bad messages without try/except).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cqrs.exceptions import CQRSError

__all__ = ["DeserializeError", "DeserializeJsonError"]


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


@dataclasses.dataclass(frozen=True)
class DeserializeJsonError:
    """A message that could not be deserialized, returned in place of the model.

    `error_message` says what was wrong (and is the text of the `DeserializeError` the
    deserializer would raise with `raise_on_error=True`); `error_type` is the class of the
    underlying error (`json.JSONDecodeError`, `cqrs.DecodeError`...); `message_data` is the
    raw input, unchanged, e.g. for a dead-letter topic.
    """

    error_message: str
    error_type: type[BaseException]
    message_data: bytes | str | None
