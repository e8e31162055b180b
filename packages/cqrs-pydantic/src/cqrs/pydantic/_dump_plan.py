"""Dump plans: when pydantic's own JSON dump already is the wire format, use it.

`to_dict()` must equal `cqrs._codec.encode_pydantic(model)` (a python-mode dump walked by
the core's codec). For most models pydantic-core's `model_dump(mode="json")` gives the
same dict in one native pass, except that it writes a UTC offset as "Z" where
`isoformat()` writes "+00:00". A plan is made once per model class from its core schema:

- `SLOW`: the schema holds something whose JSON form differs from the codec's or that
  cannot be checked ahead of time (bytes, durations, `Any`, custom serializers, extra
  fields, computed fields, dataclasses, recursive models, non-string dict keys...):
  `to_dict` takes the codec path;
- `NATIVE`: no datetime or time anywhere: `model_dump(mode="json")` as it is;
- a function patching the "Z" of exactly the datetime and time positions of the dump.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = ["NATIVE", "SLOW", "Fix", "plan_dump"]

Fix = Callable[[Any], Any]
SLOW: Final = "slow"
NATIVE: Final = "native"

_SAME_LEAVES = frozenset({"str", "int", "bool", "float", "none", "uuid", "decimal", "date"})
_DICT_KEYS = frozenset({"str", "uuid"})
_SCALAR_VALUES = (str, int, float, bool, type(None))
# Config keys that change pydantic's JSON form of the types accepted here.
_JSON_SETTINGS: Mapping[str, object] = {"ser_json_temporal": "iso8601", "ser_json_inf_nan": "null"}


class _Slow(Exception):
    """The schema has a part whose JSON dump may differ from the codec's."""


def plan_dump(core_schema: Mapping[str, Any]) -> Fix | str:
    """`SLOW`, `NATIVE` or the fix-up function for a model's `__pydantic_core_schema__`."""
    try:
        fix = _Planner().plan(core_schema)
    except (_Slow, KeyError):  # KeyError: a schema shape this planner does not know
        return SLOW
    return NATIVE if fix is None else fix


class _Planner:
    def __init__(self) -> None:
        self._refs: dict[str, Mapping[str, Any]] = {}
        self._visiting: set[str] = set()

    def plan(self, schema: Mapping[str, Any]) -> Fix | None:
        """The fix-up for values of `schema`, None when none is needed; `_Slow` if unsure."""
        if "serialization" in schema:
            raise _Slow  # a custom serializer: its JSON form is its own
        kind = schema["type"]
        if kind in _SAME_LEAVES:
            return None
        if kind in ("datetime", "time"):
            return _utc_offset
        method = getattr(self, "_" + kind.replace("-", "_"), None)
        if method is None:
            raise _Slow
        fix: Fix | None = method(schema)
        return fix

    def _definitions(self, schema: Mapping[str, Any]) -> Fix | None:
        for definition in schema["definitions"]:
            self._refs[definition["ref"]] = definition
        return self.plan(schema["schema"])

    def _definition_ref(self, schema: Mapping[str, Any]) -> Fix | None:
        ref = schema["schema_ref"]
        if ref in self._visiting or ref not in self._refs:
            raise _Slow  # recursive models: no finite plan
        self._visiting.add(ref)
        try:
            return self.plan(self._refs[ref])
        finally:
            self._visiting.discard(ref)

    def _model(self, schema: Mapping[str, Any]) -> Fix | None:
        config = schema.get("config", {})
        if schema.get("root_model") or config.get("extra_fields_behavior") == "allow":
            raise _Slow
        if any(config.get(key, default) != default for key, default in _JSON_SETTINGS.items()):
            raise _Slow
        return self.plan(schema["schema"])

    def _model_fields(self, schema: Mapping[str, Any]) -> Fix | None:
        if schema.get("computed_fields") or schema.get("extras_schema"):
            raise _Slow
        fixes = []
        for name, field in schema["fields"].items():
            fix = self.plan(field["schema"])
            if fix is not None:
                fixes.append((name, fix))
        return _fields_fix(tuple(fixes)) if fixes else None

    def _default(self, schema: Mapping[str, Any]) -> Fix | None:
        return self.plan(schema["schema"])

    # Validators wrapped around a schema leave its serialization alone.
    _function_after = _function_before = _function_wrap = _default

    def _nullable(self, schema: Mapping[str, Any]) -> Fix | None:
        fix = self.plan(schema["schema"])
        if fix is None or fix is _utc_offset:  # _utc_offset lets None through
            return fix
        return _unless_none(fix)

    def _list(self, schema: Mapping[str, Any]) -> Fix | None:
        return _items_fix(self._items(schema))

    _set = _frozenset = _list

    def _tuple(self, schema: Mapping[str, Any]) -> Fix | None:
        items = [self.plan(item) for item in schema["items_schema"]]
        if "variadic_item_index" in schema:
            if len(items) > 1:
                raise _Slow
            return _items_fix(items[0])
        if all(fix is None for fix in items):
            return None
        return _positions_fix(tuple(items))

    def _dict(self, schema: Mapping[str, Any]) -> Fix | None:
        keys = schema["keys_schema"]
        if keys["type"] not in _DICT_KEYS or "serialization" in keys:
            raise _Slow  # other keys: pydantic writes str(key), the codec keeps the key
        fix = self.plan(schema["values_schema"])
        return None if fix is None else _values_fix(fix)

    def _union(self, schema: Mapping[str, Any]) -> Fix | None:
        choices = [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
        if any(self.plan(choice) is not None for choice in choices):
            raise _Slow  # which member a dumped string came from is unknown
        return None

    def _enum(self, schema: Mapping[str, Any]) -> Fix | None:
        if not all(type(member.value) in _SCALAR_VALUES for member in schema["members"]):
            raise _Slow
        return None

    def _literal(self, schema: Mapping[str, Any]) -> Fix | None:
        if not all(type(value) in _SCALAR_VALUES for value in schema["expected"]):
            raise _Slow
        return None

    def _items(self, schema: Mapping[str, Any]) -> Fix | None:
        return self.plan(schema["items_schema"])


def _utc_offset(value: Any) -> Any:
    # pydantic writes a zero UTC offset as "Z"; isoformat() (the wire format) as "+00:00".
    # None passes through, so optional timestamps need no wrapper.
    if type(value) is str and value[-1:] == "Z":
        return value[:-1] + "+00:00"
    return value


def _unless_none(fix: Fix) -> Fix:
    return lambda value: None if value is None else fix(value)


def _fields_fix(fixes: tuple[tuple[str, Fix], ...]) -> Fix:
    if len(fixes) == 1 and fixes[0][1] is _utc_offset:  # the common case: one timestamp
        name = fixes[0][0]

        def fix_timestamp(data: dict[str, Any]) -> dict[str, Any]:
            value = data.get(name)  # None when absent (excluded from serialization)
            if type(value) is str and value[-1:] == "Z":
                data[name] = value[:-1] + "+00:00"
            return data

        return fix_timestamp

    def fix(data: dict[str, Any]) -> dict[str, Any]:
        for name, fix_value in fixes:
            if name in data:  # absent when excluded from serialization
                data[name] = fix_value(data[name])
        return data

    return fix


def _items_fix(fix: Fix | None) -> Fix | None:
    if fix is None:
        return None
    return lambda values: [fix(value) for value in values]


def _positions_fix(fixes: tuple[Fix | None, ...]) -> Fix:
    return lambda values: [
        value if fix is None else fix(value) for fix, value in zip(fixes, values, strict=True)
    ]


def _values_fix(fix: Fix) -> Fix:
    return lambda values: {key: fix(value) for key, value in values.items()}
