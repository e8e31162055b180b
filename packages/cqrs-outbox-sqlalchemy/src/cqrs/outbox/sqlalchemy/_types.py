"""Column types shared by the outbox and inbox tables."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, LargeBinary
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["Payload", "UtcDateTime"]

# MySQL and MariaDB BLOB holds 64 KiB: payloads get LONGBLOB there.
Payload: TypeEngine[bytes] = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend, microseconds kept.

    PostgreSQL stores `timestamptz`. MySQL/MariaDB `DATETIME(6)` and SQLite text
    have no zone: values are stored as naive UTC and come back aware, so the
    lease comparisons of the claim query are the same everywhere.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                f"outbox times must be timezone-aware, got naive {value!r}: pass "
                "datetime.now(timezone.utc) (or a clock that returns aware times)"
            )
        if value.tzinfo is not timezone.utc:
            value = value.astimezone(timezone.utc)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # asyncpg returns timestamptz as aware UTC datetimes already: no per-value call.
        if dialect.name == "postgresql" and dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
