"""Imported first by `cqrs.saga.storage.sqlalchemy`: without SQLAlchemy (an extra of
cqrs-saga), the import fails with the extras to install rather than a bare module name."""

from __future__ import annotations

try:
    import sqlalchemy  # noqa: F401
except ModuleNotFoundError as _missing:
    if _missing.name != "sqlalchemy":
        raise
    raise ModuleNotFoundError(
        "cqrs.saga.storage.sqlalchemy needs SQLAlchemy, which cqrs-saga installs as an "
        "extra: pip install 'cqrs-saga[postgres]' (asyncpg), 'cqrs-saga[mysql]' (asyncmy), "
        "'cqrs-saga[sqlite]' (aiosqlite) or 'cqrs-saga[sqlalchemy]' (your own driver)",
        name=_missing.name,
    ) from _missing
