"""Circuit breakers for cqrs fallbacks (the cqrs-breaker distribution), on aiobreaker.

`AioBreakerAdapter` implements `cqrs.circuit_breaker.ICircuitBreaker`: bind it
as the `circuit_breaker` of a `cqrs.RequestHandlerFallback` or
`cqrs.EventHandlerFallback`. State is kept in memory by default; give
`storage_factory=RedisStorageFactory(url)` (extra `redis`) to share circuits
across processes without blocking the event loop. The documented import path
`cqrs.adapters.circuit_breaker.AioBreakerAdapter` is the same class.
"""

from cqrs.breaker.adapter import AioBreakerAdapter
from cqrs.breaker.circuit import Circuit
from cqrs.breaker.exceptions import BreakerConfigurationError, BreakerError, CircuitOpenError
from cqrs.breaker.redis_storage import RedisCircuitStorage, RedisStorageFactory
from cqrs.breaker.storage import (
    CachedCircuitStorage,
    CircuitStorage,
    blocking_redis_storage_factory,
)

__all__ = [
    "AioBreakerAdapter",
    "BreakerConfigurationError",
    "BreakerError",
    "CachedCircuitStorage",
    "Circuit",
    "CircuitOpenError",
    "CircuitStorage",
    "RedisCircuitStorage",
    "RedisStorageFactory",
    "blocking_redis_storage_factory",
]
