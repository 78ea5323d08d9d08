"""Alembic environment: runs on a connection handed over by oss_router.migrate, or opens one."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from oss_router.config import get_settings
from oss_router.db import create_engine
from oss_router.models import Base

target_metadata = Base.metadata


def run_on_connection(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run_on_connection)
        await connection.commit()
    await engine.dispose()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on_connection(connection)
    else:
        asyncio.run(run_with_own_engine())


main()
