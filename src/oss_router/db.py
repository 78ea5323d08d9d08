"""Database engine and sessions.

Engines are created by the application's lifespan (or a CLI command), never at import time.
Services never commit: the caller that owns the unit of work (``unit_of_work.py``) does, once.
"""

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, any_, bindparam, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import QueryableAttribute

SessionMaker = async_sessionmaker[AsyncSession]
T = TypeVar("T")
E = TypeVar("E")

log = logging.getLogger(__name__)


def create_engine(
    database_url: str, *, pool_size: int = 10, max_overflow: int = 10, pre_ping: bool = True
) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(database_url, url.database)
    return create_async_engine(
        database_url,
        pool_pre_ping=pre_ping,
        pool_size=pool_size,
        max_overflow=max_overflow,
        hide_parameters=True,  # statement parameters hold personal data: never in errors or logs
    )


def _create_sqlite_engine(database_url: str, database: str | None) -> AsyncEngine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None stops pysqlite from opening transactions late (at the first write),
    # which would let two read-modify-write transactions overwrite each other; every
    # transaction starts with BEGIN IMMEDIATE instead, so writers serialize at their start the
    # way row locks serialize them on PostgreSQL (SQLAlchemy's documented pysqlite recipe).
    engine = create_async_engine(
        database_url,
        connect_args={"timeout": 30, "isolation_level": None},
        hide_parameters=True,  # statement parameters hold personal data: never in errors or logs
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while the relay or tracker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(sessions: SessionMaker) -> AsyncIterator[AsyncSession]:
    """One transaction with nothing to do after its commit (leases, pruning, reads that
    write an audit entry): committed when the block succeeds, rolled back when it raises.
    Writers of timelines, outbox rows, notices or metrics use ``unit_of_work.unit_of_work``."""
    async with sessions() as session, session.begin():
        yield session


def any_of(
    column: QueryableAttribute[Any] | ColumnElement[Any], name: str, *, postgres: bool
) -> ColumnElement[bool]:
    """``column IN :name`` for a statement built once (``ByDialect``), the list bound at
    execution: one array parameter on PostgreSQL, as ``among``; an expanding parameter on
    SQLite."""
    if postgres:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


class ByDialect(Generic[E]):
    """A statement built once for PostgreSQL and once for SQLite, then reused with its
    parameters bound at execution.

    Building a statement anew on every call (``select(...).where(...)`` with its options, then
    the cache key SQLAlchemy computes to find its compiled form) cost about 0.1 ms per
    statement, a quarter of the relay's CPU for a batch of one; a statement object reused
    keeps its cache key (decision 0034). For the hot paths only: elsewhere a statement built
    where it is used reads better.
    """

    def __init__(self, build: Callable[[bool], E]) -> None:
        self._build = build  # build(postgres)
        self._built: dict[bool, E] = {}

    def of(self, session: AsyncSession) -> E:
        postgres = session.get_bind().dialect.name == "postgresql"
        built = self._built.get(postgres)
        if built is None:
            built = self._built[postgres] = self._build(postgres)
        return built


def among(
    session: AsyncSession, column: QueryableAttribute[T], values: Sequence[T]
) -> ColumnElement[bool]:
    """``column IN values``, as one statement text whatever the number of values.

    On PostgreSQL ``column = ANY(:values)`` with one array parameter: SQLAlchemy renders an
    ``IN`` list with one placeholder per value, so every list length is another SQL text, and
    asyncpg prepares each new text (a round trip, and a server-side plan) and evicts older ones
    from its cache of 100 per connection. The relay and the tracker send lists of every length.
    """
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
