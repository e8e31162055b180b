"""`SagaMermaid`: Mermaid sequence and class diagrams of a saga definition."""

from __future__ import annotations

import typing
from typing import Any

from cqrs.saga.saga import Saga, SagaPosition, plan_of
from cqrs.saga.step import SagaStepHandler

__all__ = ["SagaMermaid"]


def _ident(cls: type) -> str:
    # Mermaid identifiers: letters, digits and underscores only.
    return "".join(ch if ch.isalnum() else "_" for ch in cls.__qualname__)


def _response_type(step: type) -> str | None:
    for klass in step.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if isinstance(origin, type) and issubclass(origin, SagaStepHandler):
                args = typing.get_args(base)
                if len(args) == 2 and isinstance(args[1], type) and args[1] is not type(None):
                    return args[1].__qualname__
    return None


class SagaMermaid:
    """Draws a saga (class or instance) as Mermaid text, fallbacks included."""

    def __init__(self, saga: Saga[Any] | type[Saga[Any]]) -> None:
        self._plan = plan_of(saga)

    def sequence(self) -> str:
        """A `sequenceDiagram`: the steps in order, each fallback as an `alt` block,
        and the compensation path in reverse order."""
        positions = self._plan.positions
        lines = ["sequenceDiagram", "    participant S as " + _ident(self._plan.saga_type)]
        for position in positions:
            for step in position.step_types:
                lines.append(f"    participant {_ident(step)}")
        for position in positions:
            lines += self._act_lines(position)
        lines.append("    opt a step fails")
        for position in reversed(positions):
            for step in position.step_types:
                lines.append(f"        S->>{_ident(step)}: compensate(context) if it ran")
        lines.append("    end")
        return "\n".join(lines)

    def class_diagram(self) -> str:
        """A `classDiagram`: the saga, its steps with `act`/`compensate`, their responses."""
        saga_id = _ident(self._plan.saga_type)
        lines = ["classDiagram", f"    class {saga_id}", f"    {saga_id} : +steps"]
        responses: set[str] = set()
        for index, position in enumerate(self._plan.positions, start=1):
            for role, step in zip(("step", "fallback"), position.step_types):
                ident = _ident(step)
                lines.append(f"    class {ident}")
                lines.append(f"    {ident} : +name = {step.name}")
                lines.append(f"    {ident} : +act(context)")
                lines.append(f"    {ident} : +compensate(context)")
                if role == "step":
                    lines.append(f"    {saga_id} --> {ident} : step {index}")
                else:
                    primary = _ident(position.primary)
                    lines.append(f"    {primary} ..> {ident} : fallback")
                response = _response_type(step)
                if response is not None:
                    rid = "".join(ch if ch.isalnum() else "_" for ch in response)
                    if rid not in responses:
                        responses.add(rid)
                        lines.append(f"    class {rid}")
                    lines.append(f"    {ident} ..> {rid} : returns")
        return "\n".join(lines)

    @staticmethod
    def _act_lines(position: SagaPosition) -> list[str]:
        primary = _ident(position.primary)
        if position.fallback is None:
            return [f"    S->>{primary}: act(context)", f"    {primary}-->>S: result"]
        alternative = _ident(position.fallback.fallback)
        return [
            f"    S->>{primary}: act(context)",
            f"    alt {primary} succeeds",
            f"        {primary}-->>S: result",
            "    else fails or circuit open",
            f"        S->>{alternative}: act(context)",
            f"        {alternative}-->>S: result",
            "    end",
        ]
