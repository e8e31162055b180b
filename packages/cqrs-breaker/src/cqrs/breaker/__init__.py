"""Circuit breakers for cqrs fallbacks (cqrs-breaker)."""

__all__: list[str] = []
