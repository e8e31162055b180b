"""`AioBreakerAdapter`: the `cqrs.circuit_breaker.ICircuitBreaker` implementation on aiobreaker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from aiobreaker import CircuitBreakerError

from cqrs.breaker.circuit import Circuit
from cqrs.breaker.exceptions import BreakerConfigurationError
from cqrs.breaker.storage import StorageFactory, check_storage, memory_storage

__all__ = ["AioBreakerAdapter", "Exclusion", "circuit_name"]

T = TypeVar("T")

#: An exception type, or a predicate on the exception, that `exclude` accepts.
Exclusion = type[BaseException] | Callable[[BaseException], bool]


class AioBreakerAdapter:
    """Circuit breakers for fallbacks: one circuit per identifier, on aiobreaker.

    Bind one adapter per policy (`fail_max`, `timeout_duration`, storage), for
    instance one for every streaming fallback; each identifier it is called
    with (the primary handler or saga step type, or a string) gets a circuit of
    its own, created on first use.

    - `fail_max`: consecutive failures that open a circuit. The call that
      reaches it still ran: its own exception is raised (and the fallback
      decides on it as usual); the calls after it are refused with
      `CircuitOpenError` (a fallback answers them) until `timeout_duration`.
    - `timeout_duration`: seconds (int or float) or a `timedelta` a circuit
      stays open. Then one trial call goes through (half-open): success closes
      the circuit, failure opens it for another `timeout_duration`; calls made
      while the trial is in flight are refused.
    - `exclude`: business exceptions (types, or predicates on the exception)
      that are not failures. The breaker counts them as successes (the primary
      answered) and a fallback lets them reach the caller, whatever its
      `failure_exceptions` (the core asks `is_excluded`).
    - `storage_factory(name)`: the storage of the circuit called `name` (the
      identifier's qualified name); default: memory, private to this adapter.
      `cqrs.breaker.RedisStorageFactory` shares circuits across processes
      without blocking the event loop.

    State changes are logged once each, at WARNING, on the `cqrs.breaker` logger.
    """

    __slots__ = (
        "_circuits",
        "_exclude_predicates",
        "_exclude_types",
        "_storage_factory",
        "fail_max",
        "timeout_duration",
    )

    def __init__(
        self,
        fail_max: int = 5,
        timeout_duration: float | timedelta = 60,
        exclude: Iterable[Exclusion] | None = None,
        storage_factory: StorageFactory | None = None,
    ) -> None:
        if isinstance(fail_max, bool) or not isinstance(fail_max, int) or fail_max < 1:
            raise BreakerConfigurationError(
                f"fail_max must be an int >= 1 (failures that open the circuit), got {fail_max!r}"
            )
        self.fail_max: int = fail_max
        self.timeout_duration: timedelta = _as_timedelta(timeout_duration)
        types: list[type[BaseException]] = []
        predicates: list[Callable[[BaseException], bool]] = []
        for item in exclude or ():
            if isinstance(item, type) and issubclass(item, BaseException):
                types.append(item)
            elif callable(item) and not isinstance(item, type):
                predicates.append(item)
            else:
                raise BreakerConfigurationError(
                    f"exclude takes exception types or predicates exc -> bool, got {item!r}"
                )
        self._exclude_types = tuple(types)
        self._exclude_predicates = tuple(predicates)
        if storage_factory is not None and not callable(storage_factory):
            raise BreakerConfigurationError(
                f"storage_factory must be a callable name -> storage, got {storage_factory!r}"
            )
        self._storage_factory = storage_factory
        self._circuits: dict[type | str, Circuit] = {}

    async def call(
        self,
        identifier: type | str,
        func: Callable[..., Awaitable[T]],
        *args: Any,
        **kwargs: Any,
    ) -> T:
        """Await `func(*args, **kwargs)` through the circuit of `identifier`.

        Raises `CircuitOpenError` without calling `func` while the circuit is
        open; otherwise returns what `func` returns or raises what it raises.
        """
        circuit = self._circuits.get(identifier)
        if circuit is None:
            circuit = self.circuit(identifier)
        return await circuit.call(func, args, kwargs)

    def guard_stream(self, identifier: type | str, stream: AsyncIterator[T]) -> AsyncIterator[T]:
        """Relay a primary's `stream` through the circuit of `identifier`, as one call.

        The first pull raises `CircuitOpenError` while the circuit is open; a
        failure anywhere in the stream counts once, its end counts as a success
        (see `Circuit.guard_stream`). Items delivered before a failure do not
        reset the count, as they do when each pull goes through `call`.
        """
        circuit = self._circuits.get(identifier)
        if circuit is None:
            circuit = self.circuit(identifier)
        return circuit.guard_stream(stream)

    def is_circuit_breaker_error(self, exc: BaseException) -> bool:
        """True for "circuit open": an aiobreaker `CircuitBreakerError` (`CircuitOpenError` is)."""
        return isinstance(exc, CircuitBreakerError)

    def is_excluded(self, exc: BaseException) -> bool:
        """True for the business exceptions listed in `exclude`."""
        if isinstance(exc, self._exclude_types):
            return True
        return any(predicate(exc) for predicate in self._exclude_predicates)

    def circuit(self, identifier: type | str) -> Circuit:
        """The circuit of `identifier` (created on first use), e.g. to read its `state`."""
        circuit = self._circuits.get(identifier)
        if circuit is None:
            name = circuit_name(identifier)
            if self._storage_factory is None:
                storage = memory_storage(name)
            else:
                storage = check_storage(self._storage_factory(name), name)
            circuit = Circuit(name, storage, self.fail_max, self.timeout_duration, self.is_excluded)
            self._circuits[identifier] = circuit
        return circuit

    def __repr__(self) -> str:
        seconds = self.timeout_duration.total_seconds()
        return f"AioBreakerAdapter(fail_max={self.fail_max}, timeout_duration={seconds:g})"


def circuit_name(identifier: type | str) -> str:
    """The name of an identifier's circuit: a type's `module.QualName`, or the string."""
    if isinstance(identifier, str):
        return identifier
    if isinstance(identifier, type):
        return f"{identifier.__module__}.{identifier.__qualname__}"
    raise BreakerConfigurationError(
        f"a circuit identifier is a type or a str, got {identifier!r}; pass the handler class"
    )


def _as_timedelta(value: float | timedelta) -> timedelta:
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        duration = timedelta(seconds=value)
    else:
        duration = None
    if duration is None or duration <= timedelta(0):
        raise BreakerConfigurationError(
            f"timeout_duration must be a positive number of seconds or a timedelta, got {value!r}"
        )
    return duration
