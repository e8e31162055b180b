"""The documented import path of the circuit breaker adapter (python-cqrs compatible).

    from cqrs.adapters.circuit_breaker import AioBreakerAdapter

`AioBreakerAdapter` lives in `cqrs.breaker`; this module re-exports it, and
`cqrs.AioBreakerAdapter` resolves to it lazily.
"""

from cqrs.breaker.adapter import AioBreakerAdapter

__all__ = ["AioBreakerAdapter"]
