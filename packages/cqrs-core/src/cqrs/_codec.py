"""Compile-once codecs between Python values and their JSON-compatible wire form.

`encoder_for(tp)` and `decoder_for(tp)` inspect an annotation once and return a function
that converts one value; results are cached per annotation, so a data model pays for
introspection on its first `to_dict()` / `from_dict()` only. Decoders validate as they
convert: they raise `cqrs._validate.Invalid` (or a constructor's `TypeError`/`ValueError`),
which `decode_record` turns into a `DecodeError` naming class, field, path and value.
"""

from __future__ import annotations

import base64
import collections.abc as cabc
import dataclasses
import datetime as dt
import decimal
import enum
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from cqrs import _deep, _validate
from cqrs._hints import UnresolvedAnnotation, accepts_none, field_types, unwrap
from cqrs._validate import DECODE_ERRORS, Invalid
from cqrs.exceptions import DecodeError

__all__ = [
    "PLAN_DECODER_ATTR",
    "decode_plan",
    "decode_record",
    "decoder_for",
    "encode_any",
    "encode_pydantic",
    "encoder_for",
    "passthrough",
    "record_encoder",
    "record_plans",
]

Codec = Callable[[Any], Any]
EncodePlan = tuple[tuple[str, "Codec | None"], ...]
#: Per field: name, a type whose instances are taken as they are, the decoder (None: take
#: anything), whether the field is required, whether None is accepted.
DecodePlan = tuple[tuple[str, "type | None", "Codec | None", bool, bool], ...]

_NoneType = type(None)
_SCALARS = (_NoneType, bool, int, float, str)
_UNIONS = (Union, types.UnionType)
_LISTS = (list, cabc.Sequence, cabc.MutableSequence)
_SETS = {set: set, cabc.MutableSet: set, frozenset: frozenset, cabc.Set: frozenset}
_MAPS = (dict, cabc.Mapping, cabc.MutableMapping)
_ITERABLES = (list, tuple, set, frozenset)


def passthrough(value: Any) -> Any:
    """Identity codec: the value already is its own wire form (plans copy it directly)."""
    return value


# -- records (dataclasses and data models) -----------------------------------------------------

_PLANS: dict[Any, tuple[EncodePlan, DecodePlan]] = {}


def record_plans(cls: type, key: Any = None) -> tuple[EncodePlan, DecodePlan]:
    """The cached (encode, decode) field plans of dataclass `cls` (`key`: a generic alias)."""
    key = cls if key is None else key
    plans = _PLANS.get(key)
    if plans is not None:
        return plans
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__qualname__} is not a dataclass: it has no fields to convert")
    hints = field_types(
        cls, dict(zip(getattr(cls, "__parameters__", ()), get_args(key), strict=False))
    )
    encode: list[tuple[str, Codec | None]] = []
    decode: list[tuple[str, type | None, Codec | None, bool, bool]] = []
    for f in dataclasses.fields(cls):
        try:
            enc, dec = encoder_for(hints[f.name]), decoder_for(hints[f.name])
        except TypeError as exc:
            raise TypeError(f"{cls.__qualname__}.{f.name}: {exc}") from exc
        encode.append((f.name, None if enc is passthrough else enc))
        if f.init:  # init=False fields are computed by the class, never passed in
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            # A default of None declares the field optional, whatever its annotation says.
            nullable = f.default is None or accepts_none(hints[f.name])
            tp = unwrap(hints[f.name])
            exact = tp if isinstance(tp, type) and get_origin(tp) is None else None
            decode.append((f.name, exact, None if dec is passthrough else dec, required, nullable))
    plans = _PLANS[key] = (tuple(encode), tuple(decode))
    return plans


_ENCODERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def record_encoder(cls: type) -> Callable[[Any], dict[str, Any]]:
    """The function giving the wire dict of a `cls` instance (`DataModel.to_dict`).

    Compiled once per class from its encode plan into straight-line code (one
    attribute read per field, no loop), as `dataclasses` does for `__init__`: the
    same dict, fields in plan order, None kept as None whatever the field's type.
    """
    encoder = _ENCODERS.get(cls)
    if encoder is None:
        encoder = _ENCODERS[cls] = _compile_encoder(record_plans(cls)[0])
    return encoder


def _compile_encoder(plan: EncodePlan) -> Callable[[Any], dict[str, Any]]:
    # Field names are identifiers: `dataclasses` itself generates code reading them.
    codecs: dict[str, Codec] = {}
    items = []
    for index, (name, enc) in enumerate(plan):
        if enc is None:
            items.append(f"{name!r}: obj.{name}")
        else:
            codecs[f"_e{index}"] = enc
            items.append(f"{name!r}: None if (v := obj.{name}) is None else _e{index}(v)")
    source = "def encode(obj):\n    return {" + ", ".join(items) + "}\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<cqrs record encoder>", "exec"), codecs, namespace)
    encode: Callable[[Any], dict[str, Any]] = namespace["encode"]
    return encode


def decode_plan(cls: type) -> DecodePlan:
    """`record_plans(cls)[1]`; a field type that cannot be resolved is a `DecodeError`."""
    try:
        return record_plans(cls)[1]
    except UnresolvedAnnotation as exc:
        raise DecodeError(f"{cls.__qualname__}.from_dict(): {exc}") from exc


def decode_record(cls: type, plan: DecodePlan, data: cabc.Mapping[str, Any]) -> Any:
    """Build `cls` from `data` following `plan`; unknown keys are ignored.

    Raises `DecodeError` naming `cls`, the field and the path of the bad value.
    """
    try:
        try:
            return _decode_fields(cls, plan, data, False)
        except _deep.TooDeep:
            return _decode_bottom_up(cls, plan, data)
    except Invalid as exc:
        raise _validate.decode_error(cls, exc) from (exc.__cause__ or exc)
    except RecursionError as exc:  # e.g. in the from_dict of a class that is not ours
        raise _too_deep(cls) from exc


class _DepthError(DecodeError):
    """Data too deep for a nested class's own `from_dict`: reported once, at the top."""


def _too_deep(cls: type) -> DecodeError:
    return _DepthError(
        f"{cls.__qualname__}.from_dict(): the data is nested deeper than the interpreter's "
        "recursion limit allows a decoder that is not cqrs's own; refuse such input at the "
        "boundary (or raise sys.setrecursionlimit if the depth is legitimate)"
    )


def _decode_bottom_up(cls: type, plan: DecodePlan, data: cabc.Mapping[str, Any]) -> Any:
    # See cqrs._deep: decode the deepest record the stack could not reach first, put the
    # object in place of its mapping, then resume with the records above it.
    root, links = _deep.copy_with_links(data)
    work: list[tuple[type, DecodePlan, dict[str, Any]]] = [(cls, plan, root)]
    while True:
        klass, klass_plan, mapping = work[-1]
        try:
            obj = _decode_fields(klass, klass_plan, mapping, len(work) > 1)
        except _deep.TooDeep as signal:
            inner_cls, inner_key, inner = signal.args
            if inner is mapping or id(inner) not in links:  # no progress: give up cleanly
                raise _too_deep(cls) from None
            work.append((inner_cls, record_plans(inner_cls, inner_key)[1], inner))
            continue
        except Invalid as exc:
            exc.path.extend(_deep.prefix(links, mapping))
            raise
        work.pop()
        if not work:
            return obj
        _, parent, key = links[id(mapping)]
        parent[key] = obj


def _decode_fields(cls: type, plan: DecodePlan, data: cabc.Mapping[str, Any], nested: bool) -> Any:
    kwargs: dict[str, Any] = {}
    for name, exact, dec, required, nullable in plan:
        try:
            value = data[name]
        except KeyError:
            if required:
                raise _validate.missing_field(cls, name, data, nested) from None
            continue
        if type(value) is exact:  # already of the declared class: nothing to check
            pass
        elif value is None:
            if not nullable:
                raise Invalid(
                    f"None is not allowed here (declare `{name}: ... | None` to accept it)", None
                ).at("." + name)
        elif dec is not None:
            try:
                value = dec(value)
            except Invalid as exc:
                raise exc.at("." + name) from exc.__cause__
            except DECODE_ERRORS as exc:
                raise Invalid(str(exc), value).at("." + name) from exc
        kwargs[name] = value
    return cls(**kwargs)


def _record_codecs(cls: type, key: Any) -> tuple[Codec, Codec]:
    def encode(value: Any) -> dict[str, Any]:
        plan = record_plans(cls, key)[0] if type(value) is cls else record_plans(type(value))[0]
        return {n: getattr(value, n) if e is None else e(getattr(value, n)) for n, e in plan}

    def decode(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, cabc.Mapping):
            raise Invalid(f"expected an object (mapping) for {cls.__qualname__}", value)
        try:
            return _decode_fields(cls, record_plans(cls, key)[1], value, True)
        except RecursionError:  # no stack left: decode_record goes on from a shallow one
            raise _deep.TooDeep(cls, key, value) from None

    return encode, decode


#: Marks the `from_dict` that only runs the class's decode plan (`DataModel.from_dict`):
#: a nested class using it is decoded by its plan directly, keeping the path of errors.
PLAN_DECODER_ATTR = "__cqrs_plan_decoder__"


def _call_to_dict(value: Any) -> Any:
    return value.to_dict()


def encode_pydantic(value: Any) -> Any:
    """Encode a pydantic model (duck-typed: `model_dump`) in the wire format of the dataclasses.

    The python-mode dump keeps datetimes, UUIDs, enums, decimals, bytes and durations as
    objects, so they take this module's forms (`isoformat()`, dashed UUIDs, enum values,
    strings, base64, seconds) rather than pydantic's JSON ones ("Z", ISO 8601 durations).
    A value of a type this module does not know (a URL, a secret...) takes pydantic's JSON form.
    """
    data = value.model_dump()
    try:
        return encode_any(data)
    except TypeError:
        return _with_json_fallback(data, value.model_dump(mode="json"))


def _with_json_fallback(data: Any, json_data: Any) -> Any:
    # The two dumps have the same shape and order: walk them side by side.
    if type(data) is dict and type(json_data) is dict and len(data) == len(json_data):
        return {
            _with_json_fallback(key, json_key): _with_json_fallback(item, json_item)
            for (key, item), (json_key, json_item) in zip(data.items(), json_data.items())
        }
    if type(data) in (list, tuple) and type(json_data) is list and len(data) == len(json_data):
        return [_with_json_fallback(item, json_item) for item, json_item in zip(data, json_data)]
    try:
        return encode_any(data)
    except TypeError:
        return json_data


def _object_codecs(cls: type, key: Any) -> tuple[Codec, Codec] | None:
    from_dict = getattr(cls, "from_dict", None)
    if callable(getattr(cls, "to_dict", None)) and callable(from_dict):
        if dataclasses.is_dataclass(cls) and getattr(from_dict, PLAN_DECODER_ATTR, False):
            return _call_to_dict, _record_codecs(cls, key)[1]

        def call_from_dict(value: Any) -> Any:
            if isinstance(value, cls):
                return value
            if not isinstance(value, cabc.Mapping):
                raise Invalid(f"expected an object (mapping) for {cls.__qualname__}", value)
            try:
                return cls.from_dict(**value)  # type: ignore[attr-defined]
            except _DepthError as exc:
                # Through the decoders above as what it is, to the outermost decode_record:
                # one short error, not one message per level wrapping the next.
                raise RecursionError(str(exc)) from exc

        return _call_to_dict, call_from_dict
    if callable(getattr(cls, "model_dump", None)) and hasattr(cls, "model_validate"):

        def validate(value: Any) -> Any:
            return value if isinstance(value, cls) else cls.model_validate(value)

        return encode_pydantic, validate
    if dataclasses.is_dataclass(cls):
        return _record_codecs(cls, key)
    return None


# -- annotations -> codecs --------------------------------------------------------------------

_CACHE: dict[Any, tuple[Codec, Codec]] = {}
_DYNAMIC: dict[type, Codec] = {}
_SCALAR_SET = frozenset(_SCALARS)


def encoder_for(tp: Any) -> Codec:
    """Return a function turning a value of annotation `tp` into its JSON-compatible form.

    Raises `TypeError` if `tp` is not supported. The result is `passthrough` when the value
    needs no conversion.
    """
    return _codecs(tp)[0]


def decoder_for(tp: Any) -> Codec:
    """Return a function turning the wire form (or an already typed value) back into `tp`.

    The function raises `TypeError`/`ValueError` for a value it cannot convert; it is
    `passthrough` when the value is taken as is (scalars, `Any`, unbound type variables).
    """
    return _codecs(tp)[1]


def encode_any(value: Any) -> Any:
    """Encode `value` by its runtime type: the codec of `Any`, `object` and type variables."""
    cls = type(value)
    if cls in _SCALAR_SET:
        return value
    if cls is list or cls is tuple or cls is set or cls is frozenset:
        return [encode_any(item) for item in value]
    if cls is dict:
        return {encode_any(k): encode_any(v) for k, v in value.items()}
    encode = _DYNAMIC.get(cls)
    if encode is None:
        encode = _DYNAMIC[cls] = _dynamic_encoder(cls)
    return encode(value)


def _dynamic_encoder(cls: type) -> Codec:
    if issubclass(cls, enum.Enum):  # before the scalar check: str/int enums are scalars too
        return encoder_for(cls)
    if issubclass(cls, _SCALARS):
        return passthrough
    if issubclass(cls, cabc.Mapping):
        return lambda v: {encode_any(k): encode_any(x) for k, x in v.items()}
    if issubclass(cls, (list, tuple, cabc.Set)):
        return lambda v: [encode_any(item) for item in v]
    encode = encoder_for(cls)
    if encode is encode_any:  # e.g. a bare object(): nothing more specific to dispatch to
        raise TypeError(
            f"cannot encode a {cls.__qualname__} value: it is not JSON-compatible and has no "
            "to_dict(); use a model, a dataclass or plain JSON types"
        )
    return encode


def _codecs(tp: Any) -> tuple[Codec, Codec]:
    try:
        return _CACHE[tp]
    except KeyError:
        pair = _CACHE[tp] = _build(tp)
        return pair
    except TypeError:  # an unhashable annotation, e.g. Annotated with a dict inside
        return _build(tp)


_SCALAR_DECODERS: dict[Any, Codec] = {
    None: _validate.decode_none,
    _NoneType: _validate.decode_none,
    bool: _validate.decode_bool,
    int: _validate.decode_int,
    float: _validate.decode_float,
    str: _validate.decode_str,
}


def _build(tp: Any) -> tuple[Codec, Codec]:
    tp = unwrap(tp)
    if tp is Any or tp is object or isinstance(tp, TypeVar):
        return encode_any, passthrough
    if tp is None or tp in _SCALARS:
        return passthrough, _SCALAR_DECODERS[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return _literal(args)
    if origin in _UNIONS:
        return _union(args)
    kind = tp if origin is None else origin
    if kind in _LISTS or kind in _SETS:
        return _sequence(_SETS.get(kind, list), args[0] if args else Any)
    if kind is tuple:
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return _sequence(tuple, args[0] if args else Any)
        return _fixed_tuple(args)
    if kind in _MAPS:
        return _mapping(*(args or (Any, Any)))
    if isinstance(kind, type):
        if origin is None:
            if issubclass(tp, enum.Enum):  # first: an enum may also derive from bytes etc.
                return _enum(tp)
            for cls, enc, dec in _SIMPLE:
                if issubclass(tp, cls):
                    return enc, dec
        if args and origin is not None:
            # Substitution inside another alias builds `Page[Item]` without calling
            # `Page.__class_getitem__`; subscribing again yields the specialised model.
            specialised = typing.cast(Any, kind)[args if len(args) > 1 else args[0]]
            if specialised is not kind and get_origin(specialised) is None:
                return _codecs(specialised)
        pair = _object_codecs(kind, tp)
        if pair is not None:
            return pair
    raise TypeError(f"unsupported type {tp!r} (see cqrs._codec for the supported types)")


def _literal(values: tuple[Any, ...]) -> tuple[Codec, Codec]:
    allowed: dict[tuple[type, Any], Any] = {}
    for value in values:
        allowed[type(value), value] = value  # keyed by type too: 1 == True must not match
        if isinstance(value, enum.Enum):
            allowed[type(value.value), value.value] = value

    def decode(value: Any) -> Any:
        try:
            return allowed[type(value), value]
        except (KeyError, TypeError):  # TypeError: an unhashable value, e.g. a list
            raise Invalid(f"expected one of {list(values)!r}", value) from None

    plain = all(type(value) in _SCALAR_SET for value in values)
    return (passthrough if plain else encode_any), decode


def _items(dec: Codec, values: cabc.Iterable[Any]) -> list[Any]:
    # A loop rather than a comprehension: the length of `out` is the index of a bad item.
    out: list[Any] = []
    append = out.append
    item: Any = None
    try:
        for item in values:
            append(dec(item))
    except Invalid as exc:
        raise exc.at(f"[{len(out)}]") from exc.__cause__
    except DECODE_ERRORS as exc:
        raise Invalid(str(exc), item).at(f"[{len(out)}]") from exc
    return out


def _sequence(kind: Callable[[Any], Any], item: Any) -> tuple[Codec, Codec]:
    enc_item, dec_item = _codecs(item)

    def encode(value: Any) -> Any:
        return [enc_item(x) for x in value]

    def decode(value: Any) -> Any:
        if not isinstance(value, _ITERABLES):
            raise Invalid("expected a list", value)
        if dec_item is passthrough:
            return kind(value)
        items = _items(dec_item, value)
        return items if kind is list else kind(items)

    return (list if enc_item is passthrough else encode), decode


def _fixed_tuple(items: tuple[Any, ...]) -> tuple[Codec, Codec]:
    pairs = [_codecs(item) for item in items]

    def encode(value: Any) -> Any:
        return [enc(x) for (enc, _), x in zip(pairs, value, strict=True)]

    def decode(value: Any) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != len(pairs):
            raise Invalid(f"expected a list of {len(pairs)} items", value)
        out = []
        for index, ((_, dec), x) in enumerate(zip(pairs, value, strict=True)):
            try:
                out.append(dec(x))
            except Invalid as exc:
                raise exc.at(f"[{index}]") from exc.__cause__
            except DECODE_ERRORS as exc:
                raise Invalid(str(exc), x).at(f"[{index}]") from exc
        return tuple(out)

    return encode, decode


def _key_decoder(tp: Any, decode: Codec) -> Codec:
    tp = unwrap(tp)
    if tp is int:  # JSON turns every key into a string
        return _validate.int_key
    if tp is float:
        return lambda key: _validate.decode_float(float(key) if type(key) is str else key)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        by_text = {str(member.value): member for member in tp}
        return lambda key: by_text[key] if type(key) is str and key in by_text else decode(key)
    return decode


def _mapping(key: Any, value: Any) -> tuple[Codec, Codec]:
    enc_key, dec_key = _codecs(key)
    enc_value, dec_value = _codecs(value)
    dec_key = _key_decoder(key, dec_key)
    plain = enc_key is passthrough and enc_value is passthrough

    def encode(data: Any) -> Any:
        return {enc_key(k): enc_value(v) for k, v in data.items()}

    def decode(data: Any) -> Any:
        if not isinstance(data, cabc.Mapping):
            raise Invalid("expected an object (mapping)", data)
        if dec_key is passthrough and dec_value is passthrough:
            return dict(data)
        out = {}
        key: Any = None
        try:
            for key, item in data.items():
                out[dec_key(key)] = dec_value(item)
        except Invalid as exc:
            raise exc.at(f"[{key!r}]") from exc.__cause__
        except DECODE_ERRORS as exc:
            raise Invalid(str(exc), data[key]).at(f"[{key!r}]") from exc
        return out

    return (dict if plain else encode), decode


_WIRE_CLASS = {cabc.Sequence: list, cabc.MutableSequence: list, cabc.Mapping: dict}
_WIRE_CLASS.update({cabc.MutableMapping: dict, cabc.Set: frozenset, cabc.MutableSet: set})


def _union(members: tuple[Any, ...]) -> tuple[Codec, Codec]:
    others = [m for m in members if m is not _NoneType]
    nullable = len(others) < len(members)
    pairs = [_codecs(m) for m in others]
    if all(enc is passthrough and dec is passthrough for enc, dec in pairs):
        return passthrough, passthrough
    if len(others) == 1:
        ((enc_one, dec_one),) = pairs
        return (
            passthrough if enc_one is passthrough else lambda v: None if v is None else enc_one(v),
            lambda v: None if v is None else dec_one(v),
        )
    exact_enc: dict[Any, Codec] = {}
    exact_dec: dict[Any, Codec] = {}
    for member, (enc, dec) in zip(others, pairs, strict=True):
        base = unwrap(member)
        cls = get_origin(base) or base
        for key in (_WIRE_CLASS.get(cls, cls), cls):
            if isinstance(key, type):
                exact_enc.setdefault(key, enc)
                exact_dec.setdefault(key, dec)
    tries = [dec for _, dec in pairs]

    def encode(value: Any) -> Any:
        enc = exact_enc.get(type(value))
        return encode_any(value) if enc is None else enc(value)

    def decode(value: Any) -> Any:
        if value is None and nullable:
            return None
        dec = exact_dec.get(type(value))
        if dec is not None:
            try:
                return dec(value)
            except DECODE_ERRORS:
                pass  # e.g. a list for `list[A] | list[B]`: try every member in turn
        errors = []
        for dec in tries:
            try:
                return dec(value)
            except Invalid as exc:
                errors.append(exc.describe())
            except DECODE_ERRORS as exc:
                errors.append(str(exc))
        names = " | ".join(_type_label(m) for m in members)
        raise Invalid(f"no member of {names} accepts it ({'; '.join(errors)})", value)

    return encode, decode


def _type_label(tp: Any) -> str:
    return tp.__qualname__ if isinstance(tp, type) else repr(tp).replace("typing.", "")


def _enum(tp: type[enum.Enum]) -> tuple[Codec, Codec]:
    if all(type(member.value) in _SCALAR_SET for member in tp):
        return (lambda member: member.value), _validate.enum_decoder(tp)
    return (lambda member: encode_any(member.value)), _validate.enum_decoder(tp)


def _isoformat(value: Any) -> str:
    return value.isoformat()  # type: ignore[no-any-return]


_SIMPLE: tuple[tuple[type, Codec, Codec], ...] = (
    (uuid.UUID, str, _validate.decode_uuid),
    (
        dt.datetime,
        _isoformat,
        _validate.iso_decoder(dt.datetime),
    ),  # before date: a datetime is a date
    (dt.date, _isoformat, _validate.iso_decoder(dt.date)),
    (dt.time, _isoformat, _validate.iso_decoder(dt.time)),
    (dt.timedelta, dt.timedelta.total_seconds, _validate.decode_seconds),
    (decimal.Decimal, str, _validate.decode_decimal),
    (bytes, lambda v: base64.b64encode(v).decode("ascii"), _validate.decode_bytes),
)
