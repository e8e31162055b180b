"""`DataModel`: the dataclass base of the default requests, responses and events.

Subclasses become keyword-only dataclasses without a decorator and convert to and from the
project's wire format (`to_dict()` / `from_dict(**kw)`) with codecs compiled once per class.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import re
import sys
import types
from typing import Any, TypeVar, get_origin

from cqrs import _codec, _hints
from cqrs._typing import Self, dataclass_transform

__all__ = ["DataModel"]

# A `base=True` class is no dataclass, so its `frozen` keyword is kept here for subclasses.
_FROZEN_ATTR = "__cqrs_frozen__"
_ENCODERS = _codec._ENCODERS
_SPECIALISED: dict[tuple[type, tuple[Any, ...]], type] = {}
_USES_PARAMETERS: dict[type, bool] = {}
_MAX_FRAMES = 16
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass_transform(kw_only_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
class DataModel:
    """Base of dataclass models: `class Cmd(DataModel): x: int` is a keyword-only dataclass.

    Class keywords: `frozen` (default: frozen if a base is), `eq`, `order` as for
    `dataclasses.dataclass`, and `base=True` for an abstract base that declares no fields
    and is not turned into a dataclass itself.

    The wire format: `to_dict()` returns a JSON-compatible dict keyed by field name (UUIDs as
    dashed strings, datetimes in ISO 8601, nested models as dicts, see `cqrs._codec`) and
    `from_dict(**d)` rebuilds an equal object. Field types must be resolvable (importable
    from the module of the class, or defined earlier in the same function) by the first
    `to_dict()` / `from_dict()` call, when the codecs of the class are compiled.

    A generic model whose fields use its type parameters is specialised on subscription:
    `Page[Item]` is a cached subclass of `Page` whose `from_dict` decodes items as `Item`.
    """

    def __init_subclass__(
        cls,
        *,
        frozen: bool | None = None,
        eq: bool = True,
        order: bool = False,
        base: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        _capture_scope(cls)
        if frozen is None:
            frozen = _inherits_frozen(cls)
        if base:
            setattr(cls, _FROZEN_ATTR, frozen)
            if frozen:
                # Subclasses inherit this guard instead of keeping dataclasses' own, so that
                # an explicit `@dataclasses.dataclass(frozen=True)` on them (the python-cqrs
                # 4.x way) finds no `__setattr__` of theirs to refuse to overwrite.
                # setattr(): an attribute assignment would declare new class members
                # to type checkers, ambiguous with object's.
                setattr(cls, "__setattr__", _refuse_setattr)  # noqa: B010
                setattr(cls, "__delattr__", _refuse_delattr)  # noqa: B010
            return
        dataclasses.dataclass(cls, kw_only=True, frozen=frozen, eq=eq, order=order)
        _prepare_second_pass(cls)
        if frozen:
            _share_frozen_guard(cls)

    def to_dict(self) -> dict[str, Any]:
        """Return the object as a JSON-compatible dict with one key per field (None included)."""
        # None stays None whatever the declared type (e.g. an event's default payload).
        encode = _ENCODERS.get(type(self))
        if encode is None:
            encode = _codec.record_encoder(type(self))
        return encode(self)

    @classmethod
    def from_dict(cls, /, **kwargs: Any) -> Self:
        """Build an object from the output of `to_dict` (or from already typed values).

        Every value is validated against its field's annotation (nested models, containers
        and unions included); unknown keys are ignored, so that older readers accept newer
        messages. A missing required field or a bad value raises `cqrs.DecodeError` naming
        the class, the field, the path of the value (`items[2].qty`) and the value.
        """
        result: Self = _codec.decode_record(cls, _codec.decode_plan(cls), kwargs)
        return result

    @classmethod
    def __class_getitem__(cls, params: Any) -> Any:
        """Subscript a generic model; concrete arguments for used parameters specialise it."""
        args = params if isinstance(params, tuple) else (params,)
        try:
            return _SPECIALISED[cls, args]
        except (KeyError, TypeError):
            pass
        try:
            alias = super().__class_getitem__(params)  # type: ignore[misc]
        except AttributeError:
            raise TypeError(f"{cls.__qualname__} is not a generic class") from None
        if any(_has_typevars(arg) for arg in args) or not _uses_parameters(cls):
            return alias  # plain typing behaviour, e.g. `Request[Result]` for type checkers
        specialised = _specialise(cls, alias, args)
        with contextlib.suppress(TypeError):  # unhashable arguments: usable, just not cached
            _SPECIALISED[cls, args] = specialised
        return specialised


def _prepare_second_pass(cls: type) -> None:
    # An explicit `@dataclass` on top re-collects the class's own fields with its own
    # `kw_only=False`; it keeps our `__init__`, but still checks the field order, and a
    # required field after a base field with a default would fail. dataclasses reuses a
    # `Field` found as the class attribute, with its kw_only=True: put back the Field of
    # every own field that has no plain default (dataclasses deleted their attributes).
    fields = vars(cls)["__dataclass_fields__"]
    for name in inspect.get_annotations(cls):
        field = fields.get(name)
        if field is not None and name not in vars(cls):
            setattr(cls, name, field)


def _refuse_setattr(self: object, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(
        f"cannot assign to field {name!r}: {type(self).__qualname__} is immutable; "
        "build a new object with dataclasses.replace(obj, ...) instead"
    )


def _refuse_delattr(self: object, name: str) -> None:
    raise dataclasses.FrozenInstanceError(
        f"cannot delete field {name!r}: {type(self).__qualname__} is immutable"
    )


def _share_frozen_guard(cls: type) -> None:
    # Under a frozen `base=True` class (the events), drop the `__setattr__`/`__delattr__`
    # that dataclasses generated here and in ancestors that an explicit decorator passed
    # over: the inherited guard refuses every assignment, for subclasses' fields too.
    if getattr(cls, "__setattr__", None) is _refuse_setattr:
        return  # nothing generated: already guarded
    for klass in cls.__mro__[1:]:
        if vars(klass).get("__setattr__") is _refuse_setattr:
            break
    else:
        return  # no frozen base guards this class: keep what dataclasses generated
    for klass in cls.__mro__:
        if vars(klass).get("__setattr__") is _refuse_setattr:
            break
        if issubclass(klass, DataModel):
            for name in ("__setattr__", "__delattr__"):
                if name in vars(klass):
                    delattr(klass, name)


# Nested models whose `from_dict` is this one are decoded by their plan directly.
setattr(vars(DataModel)["from_dict"].__func__, _codec.PLAN_DECODER_ATTR, True)


def _capture_scope(cls: type) -> None:
    # A class defined inside a function may annotate its fields with other local names
    # (as strings, under `from __future__ import annotations`). Keep the objects those
    # names refer to, and nothing else: holding the frame or its locals would keep every
    # local of the call alive as long as the class.
    qualname = cls.__qualname__
    if "<locals>" not in qualname:
        return
    function = qualname.rpartition(".<locals>.")[0].rpartition(".")[2]
    frame = sys._getframe(1)
    # Up the chain of __init_subclass__ calls and metaclass __new__ frames, to the function.
    for _ in range(_MAX_FRAMES):
        if frame is None or frame.f_code.co_name == function:
            break
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None or frame.f_code.co_name != function:
        return
    local = frame.f_locals
    del frame
    names = {
        name
        for annotation in inspect.get_annotations(cls).values()
        for name in _NAME.findall(annotation if isinstance(annotation, str) else repr(annotation))
    }
    setattr(cls, _hints.LOCALNS_ATTR, {name: local[name] for name in names if name in local})


def _inherits_frozen(cls: type) -> bool:
    for klass in cls.__mro__[1:]:
        params = klass.__dict__.get("__dataclass_params__")
        if klass.__dict__.get(_FROZEN_ATTR) or (params is not None and params.frozen):
            return True
    return False


def _has_typevars(arg: Any) -> bool:
    if get_origin(arg) is None and isinstance(arg, type):
        return False  # a class, even a generic one, is a concrete argument
    return isinstance(arg, TypeVar) or bool(getattr(arg, "__parameters__", ()))


def _mentions(tp: Any, params: tuple[Any, ...]) -> bool:
    if get_origin(tp) is None:
        return tp in params
    return any(param in params for param in getattr(tp, "__parameters__", ()))


def _uses_parameters(cls: type) -> bool:
    cached = _USES_PARAMETERS.get(cls)
    if cached is not None:
        return cached
    params = getattr(cls, "__parameters__", ())
    if not params or not dataclasses.is_dataclass(cls):
        cached = False
    else:
        try:
            hints = _hints.field_types(cls)
            cached = any(_mentions(tp, params) for tp in hints.values())
        except TypeError:  # forward references not defined yet: look for the names instead
            names = re.compile(r"\b(?:%s)\b" % "|".join(p.__name__ for p in params))  # noqa: UP031
            cached = any(
                isinstance(ann, str) and names.search(ann) is not None
                for klass in cls.__mro__
                for ann in inspect.get_annotations(klass).values()
            )
    _USES_PARAMETERS[cls] = cached
    return cached


def _type_name(arg: Any) -> str:
    if get_origin(arg) is None and isinstance(arg, type):
        return arg.__name__
    return repr(arg).replace("typing.", "")


def _specialise(cls: type, alias: Any, args: tuple[Any, ...]) -> type:
    names = ", ".join(_type_name(arg) for arg in args)
    qualname = f"{cls.__qualname__}[{names}]"

    def body(namespace: dict[str, Any]) -> None:
        namespace.update(__module__=cls.__module__, __qualname__=qualname, __doc__=cls.__doc__)

    # Subclassing the typing alias records the arguments in `__orig_bases__`, where the
    # codecs find them to resolve the fields' type variables.
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    keywords = {"frozen": params.frozen, "eq": params.eq, "order": params.order}
    return types.new_class(f"{cls.__name__}[{names}]", (alias,), keywords, body)
