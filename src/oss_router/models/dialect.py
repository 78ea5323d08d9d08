"""What differs between PostgreSQL and SQLite, decided here rather than in each repository.

- Row locks: PostgreSQL locks the rows a transaction reads for change (``FOR UPDATE``, with
  ``SKIP LOCKED`` where concurrent workers should split the work instead of waiting). SQLite
  has no row locks and needs none here: every transaction starts with ``BEGIN IMMEDIATE``
  (db.py), so it holds the database's write lock from its first statement.
- Which back end a session or engine talks to (``is_postgres``), for the few statements that
  have a faster PostgreSQL form (one array parameter instead of a list of placeholders, a
  data-modifying CTE) and for the relay, which needs a lease on SQLite only.

Also dialect-specific, and kept where they are: column types (models/base.py), the engine's
SQLite set-up and ``among`` (db.py), portable SQL functions (stats/sql.py).
"""

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

POSTGRESQL = "postgresql"

S = TypeVar("S", bound=Select[Any])


def is_postgres(bind: AsyncSession | AsyncEngine) -> bool:
    dialect = bind.get_bind().dialect if isinstance(bind, AsyncSession) else bind.dialect
    return dialect.name == POSTGRESQL


def locked(session: AsyncSession, query: S, *, skip_locked: bool = False) -> S:
    """``query`` locking the rows it reads until the transaction ends (see the module doc);
    with ``skip_locked`` rows another transaction holds are left out instead of waited for."""
    if not is_postgres(session):
        return query
    return query.with_for_update(skip_locked=skip_locked)
