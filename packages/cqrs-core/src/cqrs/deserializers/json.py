"""`JsonDeserializer`: JSON bytes to a model, through the model's `from_dict`.

Usable wherever a callable from bytes is expected, e.g. FastStream's or
aiokafka's `value_deserializer`::

    value_deserializer=JsonDeserializer(cqrs.NotificationEvent[UserJoined])
"""

from __future__ import annotations

import json
from typing import Any, Generic, Literal, TypeVar, cast, overload

from cqrs._introspect import type_name
from cqrs.deserializers.exceptions import DeserializeError
from cqrs.deserializers.protocol import SupportsFromDict

__all__ = ["JsonDeserializer"]

_M = TypeVar("_M", bound=SupportsFromDict)
_R = TypeVar("_R")
_PREVIEW = 200  # characters of the input shown in an error message


class JsonDeserializer(Generic[_R]):
    """Calls `model.from_dict(**json.loads(data))`.

    Input that is not JSON, not a JSON object, or that `from_dict` rejects
    raises `DeserializeError` (carrying the raw `data`, the cause chained).
    With `raise_on_error=False` the `DeserializeError` is returned instead of
    raised, so a consumer can route bad messages without try/except: the
    result type is then `model | DeserializeError`.
    """

    __slots__ = ("model", "raise_on_error")

    @overload
    def __init__(
        self: JsonDeserializer[_M], model: type[_M], *, raise_on_error: Literal[True] = True
    ) -> None: ...
    @overload
    def __init__(
        self: JsonDeserializer[_M | DeserializeError],
        model: type[_M],
        *,
        raise_on_error: Literal[False],
    ) -> None: ...
    @overload
    def __init__(
        self: JsonDeserializer[_M | DeserializeError], model: type[_M], *, raise_on_error: bool
    ) -> None: ...
    def __init__(self, model: type[Any], *, raise_on_error: bool = True) -> None:
        if not callable(getattr(model, "from_dict", None)):
            raise TypeError(
                f"JsonDeserializer needs a class with from_dict(**data), got {model!r}: "
                "pass e.g. cqrs.NotificationEvent[Payload] or a cqrs.Response subclass"
            )
        self.model: type[Any] = model
        self.raise_on_error: bool = raise_on_error

    def __call__(self, data: bytes | str, /) -> _R:
        """Deserialize `data`; see the class docstring for errors."""
        try:
            decoded = json.loads(data)
        except (TypeError, ValueError) as exc:  # ValueError covers bad JSON and bad UTF-8
            return self._fail(data, f"it is not valid JSON ({exc})", exc)
        if not isinstance(decoded, dict):
            return self._fail(data, f"expected a JSON object, got {type(decoded).__name__}", None)
        try:
            return cast(_R, self.model.from_dict(**decoded))
        except Exception as exc:
            return self._fail(data, f"from_dict rejected it ({type(exc).__name__}: {exc})", exc)

    def _fail(self, data: bytes | str, reason: str, cause: BaseException | None) -> _R:
        preview = data[:_PREVIEW] if isinstance(data, (bytes, str)) else data
        error = DeserializeError(
            f"cannot deserialize {type_name(self.model)} from {preview!r}: {reason}",
            data=data,
            model=self.model,
        )
        error.__cause__ = cause
        if self.raise_on_error:
            raise error
        return cast(_R, error)

    def __repr__(self) -> str:
        return f"JsonDeserializer({type_name(self.model)}, raise_on_error={self.raise_on_error})"
