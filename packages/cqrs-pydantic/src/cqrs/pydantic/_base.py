"""`WireModel`: the pydantic base that speaks the wire format of the dataclass flavour.

- `to_dict()` is `cqrs._codec.encode_pydantic(self)`: pydantic's python-mode dump encoded
  by the core's codec, so a pydantic model and a dataclass with equal field values give the
  same dict, key order included (dashed UUIDs, `isoformat()` datetimes with "+00:00",
  enum values, decimals as strings, bytes as base64, durations as seconds). Where the
  model's schema shows that pydantic's `model_dump(mode="json")` gives that same dict
  (but for the "Z" of UTC offsets), that native dump is used instead (`_dump_plan`).
- `from_dict(**d)` validates `d` with pydantic and reports bad data as `cqrs.DecodeError`.
  It validates the wire form in pydantic's strict JSON mode, so that both flavours accept
  and refuse the same values (`"12"` or `true` is not an int, an int is a float, a UUID or
  a datetime is text); values given already typed are put in their wire form first. It
  validates by field name, as `to_dict()` writes them, aliases notwithstanding (pydantic
  2.11 and later). `val_json_bytes="base64"` makes pydantic decode the base64 of the wire
  format into bytes (pydantic 2.9 and later), instead of taking the text itself as the bytes.
- The metaclass combines pydantic's with typing's protocol metaclass, so that models
  subclass the core's protocols nominally (`IDomainEvent` must be in the MRO at run time).
"""

from __future__ import annotations

import inspect
import reprlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import pydantic
import pydantic_core

from cqrs import _codec
from cqrs._typing import Self
from cqrs.exceptions import DecodeError
from cqrs.pydantic._dump_plan import NATIVE, SLOW, Fix, plan_dump

__all__ = ["WireModel"]

if TYPE_CHECKING:
    from pydantic._internal._model_construction import ModelMetaclass as _ModelProtocolMeta
else:

    class _ModelProtocolMeta(type(pydantic.BaseModel), type(Protocol)):
        """pydantic's model metaclass and typing's protocol metaclass in one."""


#: Validate by field name (what `to_dict` writes) as well as by alias, where supported.
_BY_NAME: dict[str, Any] = (
    {"by_name": True}
    if "by_name" in inspect.signature(pydantic.BaseModel.model_validate_json).parameters
    else {}
)
#: Per model class: the function `to_dict` dumps it with (see `cqrs.pydantic._dump_plan`).
_DUMPS: dict[type, Callable[[Any], Any]] = {}
_SHOWN_ERRORS = 3
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 60


class WireModel(pydantic.BaseModel, metaclass=_ModelProtocolMeta):
    """Base of the pydantic flavour: a `pydantic.BaseModel` with `to_dict` / `from_dict`.

    Bytes are base64 in `from_dict` and in pydantic's own JSON (`model_dump_json`,
    `model_validate_json`, FastAPI bodies), as in the wire format.
    """

    model_config: ClassVar[pydantic.ConfigDict] = pydantic.ConfigDict(
        ser_json_bytes="base64", val_json_bytes="base64"
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the model as a JSON-compatible dict, the same as a dataclass model's."""
        try:
            dump = _DUMPS[type(self)]
        except KeyError:
            dump = _DUMPS[type(self)] = _dump_function(type(self))
        data: dict[str, Any] = dump(self)
        return data

    @classmethod
    def from_dict(cls, /, **kwargs: Any) -> Self:
        """Validate the output of `to_dict` (of either flavour) into a model.

        Values are checked as strictly as the dataclass flavour checks them. Unknown keys
        are ignored (unless the model's config says otherwise); invalid data raises
        `cqrs.DecodeError` naming the class and the first errors with their paths
        (`items[2].qty`), chained to pydantic's `ValidationError`.
        """
        try:
            text = _wire_text(kwargs)
        except RecursionError as exc:
            raise DecodeError(
                f"{cls.__qualname__}.from_dict(): the data is nested deeper than the "
                "recursion limit allows; refuse such input at the boundary"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise DecodeError(
                f"{cls.__qualname__}.from_dict(): {exc}; pass the output of to_dict() "
                "or values of the declared types"
            ) from exc
        try:
            return cls.model_validate_json(text, strict=True, **_BY_NAME)
        except pydantic.ValidationError as exc:
            if not all(_is_seconds(error) for error in exc.errors()):
                raise _decode_error(cls, exc) from exc
        # Strict mode wants ISO 8601 text for a duration, the wire format has seconds. The
        # durations were the only errors, so every other value passed the strict check and
        # the lax mode gives the same result for them.
        try:
            return cls.model_validate_json(text, **_BY_NAME)
        except pydantic.ValidationError as exc:
            raise _decode_error(cls, exc) from exc


def _dump_function(cls: type[pydantic.BaseModel]) -> Callable[[Any], Any]:
    """How `to_dict` dumps instances of `cls`: natively when that gives the wire format."""
    if cls.model_dump is not pydantic.BaseModel.model_dump:
        return _codec.encode_pydantic  # an overridden model_dump is the model's own word
    plan = plan_dump(cls.__pydantic_core_schema__)
    if plan == SLOW:
        return _codec.encode_pydantic
    if plan == NATIVE:
        return _native_dump
    fix: Fix = plan  # type: ignore[assignment]

    def fixed_dump(model: pydantic.BaseModel) -> Any:
        return fix(model.__pydantic_serializer__.to_python(model, mode="json"))

    return fixed_dump


def _native_dump(model: pydantic.BaseModel) -> Any:
    # model_dump(mode="json") without its keyword-argument plumbing (all defaults here).
    return model.__pydantic_serializer__.to_python(model, mode="json")


def _wire_text(data: dict[str, Any]) -> bytes:
    """`data` as JSON; values given typed (UUIDs, datetimes, models...) take a JSON form
    that strict mode reads back as the same value."""
    try:
        return pydantic_core.to_json(data, bytes_mode="base64")
    except pydantic_core.PydanticSerializationError as exc:
        if "depth" in str(exc):  # pydantic's nesting limit; no other error class tells it
            raise RecursionError(str(exc)) from exc
        # A type pydantic does not know: the core codec's wire form of it.
        return pydantic_core.to_json(_codec.encode_any(data), bytes_mode="base64")


def _is_seconds(error: Mapping[str, Any]) -> bool:
    """A strict-mode error for a duration given as a number of seconds (the wire form)."""
    value = error["input"]
    return error["type"] == "time_delta_type" and type(value) in (int, float)


def _decode_error(cls: type, exc: pydantic.ValidationError) -> DecodeError:
    """A `DecodeError` naming `cls` and showing the first errors of `exc`."""
    errors = exc.errors(include_url=False)
    shown = "; ".join(_describe(error) for error in errors[:_SHOWN_ERRORS])
    more = f" (+{len(errors) - _SHOWN_ERRORS} more)" if len(errors) > _SHOWN_ERRORS else ""
    return DecodeError(
        f"{cls.__qualname__}.from_dict(): {len(errors)} validation error(s): {shown}{more}"
    )


def _describe(error: Mapping[str, Any]) -> str:
    # The path as the dataclass flavour writes it: `items[2].qty`.
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    where = where.lstrip(".") or "<root>"
    if error["type"] == "missing":
        return f"{where}: field required"
    return f"{where}: {error['msg']} (got {_repr.repr(error['input'])})"
