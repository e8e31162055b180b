"""Decoding data nested deeper than the interpreter's stack: the pieces that need no types.

The decoders of `cqrs._codec` recurse once per level of nesting, which is fast and enough
for ordinary messages. Data nested deeper than the recursion limit allows (a recursive
model such as `Node(children: list[Node])`, or hostile input) makes a nested record stop
with `TooDeep`, naming the record it could not start. `cqrs._codec` then decodes the data
bottom-up: it copies the input with the links from each container to its parent (here,
without recursion), decodes the record named by `TooDeep` from a shallow stack, puts the
object in place of its mapping in the copy, and resumes with the parent, whose decoder
takes the object as it is. Each attempt descends as deep as the stack allows, so the total
work stays linear in the size of the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Links", "TooDeep", "copy_with_links", "prefix"]

#: `id(container)` -> (the container, its parent, its key or index in the parent).
Links = dict[int, tuple[Any, Any, Any]]


class TooDeep(Exception):
    """Raised by a nested record that has no stack left: `args` is (class, key, mapping).

    Not a `ValueError`: the decoders that try alternatives (unions) must not swallow it.
    """


def copy_with_links(data: Mapping[str, Any]) -> tuple[dict[str, Any], Links]:
    """A copy of `data` whose dicts and lists are new, and the parent of each of them.

    Iterative (an explicit stack), so that it works at any depth. Lists stand for every
    JSON array (tuples and sets too): the decoders accept them alike.
    """
    root: dict[str, Any] = dict(data)
    links: Links = {id(root): (root, None, None)}
    pending: list[Any] = [root]
    while pending:
        container = pending.pop()
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in keys:
            item = container[key]
            if isinstance(item, Mapping):
                item = dict(item)
            elif isinstance(item, (list, tuple, set, frozenset)):
                item = list(item)
            else:
                continue
            container[key] = item
            links[id(item)] = (item, container, key)
            pending.append(item)
    return root, links


def prefix(links: Links, container: Any) -> list[str]:
    """The path segments from the root copy down to `container`, innermost first.

    Keys that are identifiers are shown as fields (`.name`), others as keys (`['k']`):
    the copy does not know which mappings were models and which were dicts.
    """
    segments: list[str] = []
    _, parent, key = links[id(container)]
    while parent is not None:
        if isinstance(key, int):
            segments.append(f"[{key}]")
        elif isinstance(key, str) and key.isidentifier():
            segments.append(f".{key}")
        else:
            segments.append(f"[{key!r}]")
        _, parent, key = links[id(parent)]
    return segments
