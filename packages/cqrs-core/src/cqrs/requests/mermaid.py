"""Mermaid diagrams of a chain of responsibility."""

from __future__ import annotations

from collections.abc import Sequence

from cqrs._introspect import declared_types

__all__ = ["CoRMermaid"]


class CoRMermaid:
    """Renders a chain (the list bound with `RequestMap.bind`) as Mermaid text."""

    def __init__(self, handlers: Sequence[type]) -> None:
        if not handlers:
            raise ValueError("CoRMermaid needs at least one handler class")
        self._handlers = tuple(handlers)

    def sequence(self) -> str:
        """A `sequenceDiagram`: the request travels down the chain until a link answers."""
        request, response = self._types()
        lines = ["sequenceDiagram", "    participant Client", "    participant Mediator"]
        lines += [f"    participant {_id(handler)}" for handler in self._handlers]
        lines.append(f"    Client->>Mediator: send({request})")
        previous = "Mediator"
        for handler in self._handlers:
            lines.append(f"    {previous}->>{_id(handler)}: handle({request})")
            lines.append(f"    alt {_id(handler)} can handle")
            lines.append(f"        {_id(handler)}-->>Mediator: {response}")
            lines.append("    else pass to next")
            previous = _id(handler)
        lines.append(f"        {previous}-->>Mediator: None (end of chain)")
        lines += ["    end"] * len(self._handlers)
        answer = response if response == "None" else f"{response} or None"
        lines.append(f"    Mediator-->>Client: {answer}")
        return "\n".join(lines) + "\n"

    def class_diagram(self) -> str:
        """A `classDiagram`: each link, its successor, and the types it handles."""
        request, response = self._types()
        returns = response != "None"  # a command chain answers nothing: no response class
        lines = ["classDiagram", "    class CORRequestHandler {", "        <<abstract>>"]
        lines += [
            "        +handle(request)",
            "        +next(request)",
            "        +set_next(handler)",
            "    }",
            f"    class {request} {{",
            "        <<request>>",
            "    }",
        ]
        if returns:
            lines += [f"    class {response} {{", "        <<response>>", "    }"]
        for handler in self._handlers:
            lines.append(f"    CORRequestHandler <|-- {_id(handler)}")
            lines.append(f"    {_id(handler)} ..> {request} : handles")
            if returns:
                lines.append(f"    {_id(handler)} ..> {response} : returns")
        for current, following in zip(self._handlers, self._handlers[1:]):
            lines.append(f"    {_id(current)} --> {_id(following)} : next")
        return "\n".join(lines) + "\n"

    def _types(self) -> tuple[str, str]:
        declared = declared_types(self._handlers[0])
        if declared is None:
            return "Request", "Response"
        return _name(declared[0], "Request"), _name(declared[1], "Response")


def _id(handler: type) -> str:
    return handler.__name__


def _name(tp: object, default: str) -> str:
    name = getattr(tp, "__name__", None)
    if not isinstance(name, str) or name in ("NoneType", "None"):
        return default if tp is not type(None) else "None"
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
