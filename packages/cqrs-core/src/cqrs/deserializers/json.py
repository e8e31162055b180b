"""`JsonDeserializer`: JSON bytes to a model, through the model's `from_dict`.

Usable wherever a callable from bytes is expected, e.g. FastStream's or
aiokafka's `value_deserializer`::

    value_deserializer=JsonDeserializer(model=cqrs.NotificationEvent[UserJoined])
"""

from __future__ import annotations

import json
from typing import Any, Generic, Literal, TypeVar, cast, overload

from cqrs._introspect import type_name
from cqrs.deserializers.exceptions import DeserializeError, DeserializeJsonError
from cqrs.deserializers.protocol import Deserializable

__all__ = ["JsonDeserializer"]

_M = TypeVar("_M", bound=Deserializable)
_R = TypeVar("_R")
_PREVIEW = 200  # characters of the input shown in an error message


class JsonDeserializer(Generic[_R]):
    """Calls `model.from_dict(**json.loads(data))`, with python-cqrs's contract:

    - a valid message gives the model;
    - `None` or an empty message (a Kafka tombstone) gives `None`;
    - anything else (not JSON, not a JSON object, refused by `from_dict`, nested too
      deeply) gives a `DeserializeJsonError` describing it, so that a consumer can
      route bad messages without try/except: the result type is
      `model | DeserializeJsonError | None`.

    With `raise_on_error=True` bad input raises `DeserializeError` instead (carrying
    the raw `data`, the underlying error chained) and the result type is `model | None`.
    """

    __slots__ = ("model", "raise_on_error")

    @overload
    def __init__(
        self: JsonDeserializer[_M | DeserializeJsonError | None],
        model: type[_M],
        *,
        raise_on_error: Literal[False] = False,
    ) -> None: ...
    @overload
    def __init__(
        self: JsonDeserializer[_M | None], model: type[_M], *, raise_on_error: Literal[True]
    ) -> None: ...
    @overload
    def __init__(
        self: JsonDeserializer[_M | DeserializeJsonError | None],
        model: type[_M],
        *,
        raise_on_error: bool,
    ) -> None: ...
    def __init__(self, model: type[Any], *, raise_on_error: bool = False) -> None:
        if not callable(getattr(model, "from_dict", None)):
            raise TypeError(
                f"JsonDeserializer needs a class with from_dict(**data), got {model!r}: "
                "pass e.g. cqrs.NotificationEvent[Payload] or a cqrs.Response subclass"
            )
        self.model: type[Any] = model
        self.raise_on_error: bool = raise_on_error

    def __call__(self, data: bytes | str | None, /) -> _R:
        """Deserialize `data`; see the class docstring for the results and errors."""
        if data is None or (isinstance(data, (bytes, str)) and not data):
            return cast(_R, None)
        try:
            decoded = json.loads(data)
        except RecursionError as exc:  # hostile nesting: report it like any bad input
            return self._fail(data, "it is nested too deeply to parse", exc)
        except (TypeError, ValueError) as exc:  # ValueError covers bad JSON and bad UTF-8
            return self._fail(data, f"it is not valid JSON ({exc})", exc)
        if not isinstance(decoded, dict):
            return self._fail(data, f"expected a JSON object, got {type(decoded).__name__}", None)
        try:
            return cast(_R, self.model.from_dict(**decoded))
        except Exception as exc:
            return self._fail(data, f"from_dict rejected it ({type(exc).__name__}: {exc})", exc)

    def _fail(self, data: Any, reason: str, cause: BaseException | None) -> _R:
        preview = data[:_PREVIEW] if isinstance(data, (bytes, str)) else data
        message = f"cannot deserialize {type_name(self.model)} from {preview!r}: {reason}"
        if not self.raise_on_error:
            error_type = DeserializeError if cause is None else type(cause)
            return cast(_R, DeserializeJsonError(message, error_type, data))
        error = DeserializeError(message, data=data, model=self.model)
        raise error from cause

    def __repr__(self) -> str:
        return f"JsonDeserializer({type_name(self.model)}, raise_on_error={self.raise_on_error})"
