"""Names that live in optional distributions, resolved on first access (PEP 562).

A module that offers such names keeps a table `name -> (module, attribute, distribution)`
and forwards its module-level `__getattr__` to `resolve_extra`. Without the distribution
the name raises an `ImportError` that says what to install; with it, the value is cached
in the module's namespace, so the next access is an ordinary attribute lookup.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["ExtraName", "resolve_extra"]

#: Where a lazy name lives: (module, attribute in it, distribution that ships the module).
ExtraName = tuple[str, str, str]


def resolve_extra(
    namespace: MutableMapping[str, Any], table: Mapping[str, ExtraName], name: str
) -> Any:
    """Import `name` of the module whose globals are `namespace`, as `table` says.

    Raises `AttributeError` for a name that is not in `table`, and `ImportError` naming
    the distribution to install when the module that provides it is missing.
    """
    owner = namespace["__name__"]
    try:
        module_name, attribute, distribution = table[name]
    except KeyError:
        raise AttributeError(f"module {owner!r} has no attribute {name!r}") from None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only a missing extra module means "not installed"; any other missing module
        # is a real error of an installed extra and propagates as it is.
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        raise ImportError(
            f"{owner}.{name} is provided by the {distribution} distribution, which is not "
            f"installed: pip install {distribution}",
            name=module_name,
        ) from exc
    value = getattr(module, attribute)
    namespace[name] = value
    return value
