"""Runs the Alembic migrations programmatically (CLI, application start-up, tests)."""

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

REPO_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    root = Path(os.environ.get("OSS_ROUTER_MIGRATIONS_DIR", REPO_ROOT / "migrations"))
    config = Config()
    config.set_main_option("script_location", str(root))
    config.set_main_option("path_separator", "os")
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` inside one transaction."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)
