"""The one place that tells PostgreSQL from SQLite: which back end, and how rows are locked."""

from sqlalchemy import select

from oss_router.db import create_engine, create_sessionmaker
from oss_router.models import OutboxMessage, dialect


async def test_rows_are_locked_on_postgresql_and_left_to_begin_immediate_on_sqlite(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            postgres = dialect.is_postgres(session)
            assert postgres == dialect.is_postgres(engine) == database_url.startswith("postgresql")
            query = select(OutboxMessage.id)
            waits = str(dialect.locked(session, query).compile(engine))
            skips = str(dialect.locked(session, query, skip_locked=True).compile(engine))
    finally:
        await engine.dispose()

    if postgres:
        assert waits.endswith("FOR UPDATE")
        assert skips.endswith("FOR UPDATE SKIP LOCKED")
    else:
        assert "FOR UPDATE" not in waits + skips
