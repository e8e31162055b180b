"""Typing helpers that cost nothing at run time.

`TypeVar` defaults (PEP 696) and `dataclass_transform` (PEP 681) come from
`typing_extensions` for the type checker only; at run time we use the standard
library so that importing `cqrs` never loads a third-party module.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__all__ = ["Self", "TypeVar", "dataclass_transform"]

if TYPE_CHECKING:
    from typing_extensions import Self, TypeVar, dataclass_transform
elif sys.version_info >= (3, 13):
    from typing import Self, TypeVar, dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import Self, dataclass_transform
else:  # pragma: no cover - exercised on Python 3.10 only
    Self = Any

    def dataclass_transform(**_kwargs: Any) -> Callable[[Any], Any]:
        def decorate(obj: Any) -> Any:
            return obj

        return decorate


if not TYPE_CHECKING and sys.version_info < (3, 13):

    def TypeVar(name: str, *constraints: Any, default: Any = None, **kwargs: Any) -> Any:
        """`typing.TypeVar` that accepts (and, before 3.13, ignores) a PEP 696 default."""
        del default  # only type checkers read it
        return typing.TypeVar(name, *constraints, **kwargs)
