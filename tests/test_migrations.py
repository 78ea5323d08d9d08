"""The migrations build exactly the schema the models describe, on both engines."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Index
from sqlalchemy.engine import Connection

from oss_router.db import create_engine
from oss_router.migrate import upgrade
from oss_router.models import Base


def _differences(connection: Connection) -> list[object]:
    def on_this_dialect(item: Any, _name: Any, type_: str, _reflected: bool, _other: Any) -> bool:
        """A model's index made for one dialect only (``ddl_if``: the trigram indexes of
        models.base.trigram_index) is not expected on another."""
        ddl_if = getattr(item, "_ddl_if", None) if isinstance(item, Index) else None
        return ddl_if is None or ddl_if.dialect in (None, connection.dialect.name)

    opts = {"compare_type": True, "include_object": on_this_dialect}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()

    assert differences == []
