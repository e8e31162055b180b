"""Validation primitives of the decoders: the path-carrying error and the leaf decoders.

Every decoder of `cqrs._codec` either returns a value of its annotation or raises. The
leaves here raise `Invalid`; containers and records append their part of the path to it
(`[2]`, `['key']`, `.qty`) as it propagates, and `decode_record` turns it into one
`cqrs.DecodeError` naming the class, the field, the path and the bad value.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import re
import reprlib
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from cqrs.exceptions import DecodeError

__all__ = [
    "DECODE_ERRORS",
    "Invalid",
    "decode_bool",
    "decode_bytes",
    "decode_decimal",
    "decode_error",
    "decode_float",
    "decode_int",
    "decode_none",
    "decode_seconds",
    "decode_str",
    "decode_uuid",
    "enum_decoder",
    "int_key",
    "iso_decoder",
    "kind_of",
    "missing_field",
]

_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 80
_INT_TEXT = re.compile(r"-?[0-9]+")
_LONGEST_PATH = 200
_LONGEST_REASON = 400


class Invalid(ValueError):
    """A value does not fit its annotation; `path` grows innermost first as it propagates.

    Internal to the codec: `decode_record` replaces it by a `DecodeError` at the boundary.
    """

    def __init__(self, reason: str, value: Any) -> None:
        if len(reason) > _LONGEST_REASON:  # e.g. the message of a nested class's own from_dict
            reason = f"{reason[: _LONGEST_REASON // 2]}...{reason[-_LONGEST_REASON // 2 :]}"
        super().__init__(reason)
        self.reason = reason
        self.value = value
        self.path: list[str] = []

    def at(self, segment: str) -> Invalid:
        """Record that the bad value sits at `segment` of its parent; return self."""
        self.path.append(segment)
        return self

    def where(self) -> str:
        """The path from the top-level object, e.g. `items[2].qty`."""
        path = "".join(reversed(self.path)).lstrip(".")
        if len(path) <= _LONGEST_PATH:
            return path
        # Deeply nested input must not turn into a message as long as itself.
        return f"{path[:80]}...({len(self.path)} levels)...{path[-100:]}"

    def describe(self) -> str:
        """`where: reason (got value)`, as shown in nested messages and in `DecodeError`."""
        value = self.value
        got = "None" if value is None else f"{kind_of(value)} {_repr.repr(value)}"
        return f"{self.where() or '<value>'}: {self.reason}, got {got}"


#: What a decoder may raise for a bad value: `Invalid`, or an error of a constructor it
#: calls (`uuid.UUID("x")` raises ValueError, `Decimal("x")` an ArithmeticError...).
DECODE_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, AttributeError)


def kind_of(value: Any) -> str:
    """The JSON-ish name of a value's type for messages (`bool`, `str`, `list`...)."""
    return type(value).__name__


# -- scalars: JSON already has the type, so these only check it ------------------------------


def decode_int(value: Any) -> Any:
    """An int, but not a bool (JSON `true` is not a number) nor a numeric string."""
    if isinstance(value, int) and type(value) is not bool:
        return value
    raise Invalid("expected an int", value)


def decode_float(value: Any) -> Any:
    """A float; an int is widened (JSON has one number type), a bool or a string is not."""
    if type(value) is float:
        return value
    if isinstance(value, (int, float)) and type(value) is not bool:
        return float(value)
    raise Invalid("expected a number", value)


def decode_str(value: Any) -> Any:
    """A str; numbers are not turned into text."""
    if isinstance(value, str):
        return value
    raise Invalid("expected a string", value)


def decode_bool(value: Any) -> Any:
    """`True` or `False` only: 0, 1, "true" are refused."""
    if type(value) is bool:
        return value
    raise Invalid("expected a bool", value)


def decode_none(value: Any) -> Any:
    """Only `None` (an annotation of `None`)."""
    if value is None:
        return value
    raise Invalid("expected null (None)", value)


def int_key(value: Any) -> Any:
    """A mapping key declared `int`: JSON writes it as text, so digits are read back."""
    if type(value) is str and _INT_TEXT.fullmatch(value):
        return int(value)
    return decode_int(value)


# -- simple types with a text or number wire form ---------------------------------------------


def iso_decoder(kind: Any) -> Callable[[Any], Any]:
    """Decoder of `datetime`, `date` or `time` from ISO 8601 text (instances kept)."""

    def decode(value: Any) -> Any:
        if isinstance(value, kind) and (kind is not dt.date or not isinstance(value, dt.datetime)):
            return value
        if not isinstance(value, str):
            raise Invalid("expected an ISO 8601 string", value)
        if value.endswith(("Z", "z")):  # fromisoformat accepts "Z" only from Python 3.11
            value = value[:-1] + "+00:00"
        return kind.fromisoformat(value)

    return decode


def decode_uuid(value: Any) -> uuid.UUID:
    """A UUID from its text form (instances kept)."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise Invalid("expected a UUID string", value)
    return uuid.UUID(value)


def decode_seconds(value: Any) -> dt.timedelta:
    """A duration from a number of seconds (instances kept)."""
    if isinstance(value, dt.timedelta):
        return value
    if not isinstance(value, (int, float)) or type(value) is bool:
        raise Invalid("expected a number of seconds", value)
    return dt.timedelta(seconds=value)


def decode_decimal(value: Any) -> decimal.Decimal:
    """A decimal from text or an int (a float through its shortest repr)."""
    if isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, float):
        return decimal.Decimal(repr(value))  # the shortest repr, not the binary expansion
    if not isinstance(value, (str, int)) or type(value) is bool:
        raise Invalid("expected a decimal string", value)
    return decimal.Decimal(value)


def decode_bytes(value: Any) -> bytes:
    """Bytes from base64 text (instances kept)."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise Invalid("expected a base64 string", value)
    return base64.b64decode(value, validate=True)


def enum_decoder(tp: type[enum.Enum]) -> Callable[[Any], Any]:
    """An enum member from its value; `True` is not taken for the value 1."""
    members: Mapping[Any, Any] = {(type(m.value), m.value): m for m in tp}

    def decode(value: Any) -> Any:
        if type(value) is tp:
            return value
        try:
            return members[type(value), value]
        except (KeyError, TypeError):
            pass
        if type(value) is not bool:
            try:
                return tp(value)  # e.g. an int for a float value, or a member of a subclass
            except ValueError:
                pass
        values = [m.value for m in tp]
        raise Invalid(f"expected one of {_repr.repr(values)} ({tp.__qualname__})", value)

    return decode


def missing_field(cls: type, name: str, data: Mapping[str, Any], nested: bool) -> Exception:
    """The error for a required field absent from `data` (nested: an `Invalid` to locate)."""
    if nested:
        return Invalid(f"missing required field {name!r} of {cls.__qualname__}", data).at(
            "." + name
        )
    return DecodeError(
        f"{cls.__qualname__}.from_dict(): missing required field {name!r} "
        f"(got keys {sorted(map(str, data))!r}); pass {name}=..."
    )


def decode_error(cls: type, exc: Invalid) -> DecodeError:
    """The `DecodeError` reporting `exc` at the top of `cls.from_dict()`."""
    field = exc.path[-1].lstrip(".") if exc.path else "?"
    return DecodeError(
        f"{cls.__qualname__}.from_dict(): field {field!r} is invalid at {exc.describe()}; "
        "send a value of the declared type (or change the annotation)"
    )
