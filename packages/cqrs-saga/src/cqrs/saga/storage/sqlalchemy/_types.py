"""Column types of the saga tables that behave the same on every backend."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["JsonText", "UtcDateTime"]

# MySQL/MariaDB TEXT stops at 64 KiB; a saga context may be larger.
JsonText: TypeEngine[str] = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime with microseconds, whatever the backend stores.

    PostgreSQL keeps `timestamptz`; MySQL/MariaDB `DATETIME(6)` and SQLite text
    have no zone, so values go in as naive UTC and come back aware. The recovery
    query compares these columns with aware times on every backend alike.
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
                f"saga storage times must be timezone-aware, got naive {value!r}: pass "
                "datetime.now(timezone.utc)"
            )
        value = value.astimezone(timezone.utc)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
