"""Saga steps: `SagaStepHandler` (act / compensate) and the `SagaStepResult` it returns."""

from __future__ import annotations

import abc
import contextvars
import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from cqrs.saga.exceptions import SagaError
from cqrs.saga.models import SagaContext

__all__ = ["SagaStepHandler", "SagaStepResult", "current_idempotency_key"]

ContextT = TypeVar("ContextT", bound=SagaContext)
ResponseT = TypeVar("ResponseT")

# Set by the engine around each act/compensate call. A ContextVar rather than an
# attribute on the handler: a container may hand the same handler to concurrent sagas.
# It holds (saga id, step name); the key is formatted only when a step reads it.
_IDEMPOTENCY_KEY: contextvars.ContextVar[tuple[uuid.UUID, str] | None] = contextvars.ContextVar(
    "cqrs_saga_idempotency_key", default=None
)


def current_idempotency_key() -> str | None:
    """The idempotency key of the step call in progress (`"<saga id>:<step name>"`), or None."""
    call = _IDEMPOTENCY_KEY.get()
    return None if call is None else f"{call[0]}:{call[1]}"


@dataclasses.dataclass(slots=True)
class SagaStepResult(Generic[ContextT, ResponseT]):
    """What a step produced: the step class that ran, its response and the saga id.

    The mediator yields one per completed step, with `saga_id` filled in. For a
    fallback position, `step_type` is the step that actually ran (the primary or
    the fallback). Treat it as read-only.
    """

    step_type: type[SagaStepHandler[ContextT, ResponseT]]
    response: ResponseT
    saga_id: uuid.UUID | None = None

    @property
    def step_name(self) -> str:
        """The stable name the step is logged under."""
        return self.step_type.name


class SagaStepHandler(abc.ABC, Generic[ContextT, ResponseT]):
    """One step of a saga: `act` does the work, `compensate` undoes it.

    Class attributes:
    - `name`: the stable name the step is stored under (default: the class's
      qualified name, which does not include the module, so moving a module does
      not orphan stored sagas; set it explicitly before renaming a class).
    - `timeout`: seconds `act` may take (default None: no limit); exceeding it is
      a step failure (`SagaStepTimeoutError`) that triggers compensation.

    `act` and `compensate` may run more than once for the same saga (a crash
    between a side effect and its log entry re-runs the step on recovery):
    make them idempotent with `self.idempotency_key`, which is stable across runs.
    Events appended to `self._events` (or exposed by overriding `events`) are
    processed after `act` returns, before the step's result is yielded.
    """

    name: ClassVar[str] = "SagaStepHandler"
    timeout: ClassVar[float | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__qualname__
        if cls.timeout is not None and not (
            isinstance(cls.timeout, (int, float)) and cls.timeout > 0
        ):
            raise TypeError(
                f"{cls.__qualname__}.timeout must be a positive number of seconds or None, "
                f"got {cls.timeout!r}"
            )

    @property
    def events(self) -> Sequence[Any]:
        """Events collected by `act`; by default the list `self._events`, if the step has one."""
        collected = getattr(self, "_events", None)
        return collected if isinstance(collected, list) else ()

    def clear_events(self) -> None:
        """Forget the collected events (called once the engine has taken them)."""
        collected = getattr(self, "_events", None)
        if isinstance(collected, list):
            collected.clear()

    @property
    def idempotency_key(self) -> str:
        """`"<saga id>:<step name>"` for the act/compensate call in progress.

        The same for every run of this step of this saga (first run, retries,
        recovery), so a downstream service can deduplicate on it.
        """
        key = current_idempotency_key()
        if key is None:
            raise SagaError(
                f"{type(self).__qualname__}.idempotency_key was read outside act/compensate; "
                "it only exists while the saga engine runs the step"
            )
        return key

    @abc.abstractmethod
    async def act(self, context: ContextT) -> SagaStepResult[ContextT, ResponseT]:
        """Do the step's work, update `context`, return `self._generate_step_result(resp)`."""

    async def compensate(self, context: ContextT) -> None:
        """Undo what `act` did; the default does nothing (a step with no side effect)."""

    def _generate_step_result(self, response: ResponseT) -> SagaStepResult[ContextT, ResponseT]:
        """The result of this step carrying `response`."""
        return SagaStepResult(type(self), response)
