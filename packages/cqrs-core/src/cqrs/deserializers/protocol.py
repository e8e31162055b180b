"""The deserializer protocols: the bytes a broker carries back to an object."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, runtime_checkable

from cqrs._typing import Self

__all__ = ["Deserializable", "Deserializer", "SupportsFromDict"]

_T_co = TypeVar("_T_co", covariant=True)


@runtime_checkable
class Deserializable(Protocol):
    """A class with the project's `from_dict(**data)`: requests, responses, events."""

    @classmethod
    def from_dict(cls, **kwargs: Any) -> Self:
        """Build an instance from the output of `to_dict()`."""
        ...


#: The earlier name of `Deserializable`, kept for code written against it.
SupportsFromDict = Deserializable


@runtime_checkable
class Deserializer(Protocol[_T_co]):
    """Turns the bytes (or text) of a message into an object."""

    def __call__(self, data: bytes | str, /) -> _T_co:
        """Deserialize `data`."""
        ...
