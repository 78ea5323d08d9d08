"""Helpers of the administrative commands (client, audit, purge) that work on the database."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.config import Settings, get_settings
from oss_router.db import SessionMaker, create_engine, create_sessionmaker, transaction

T = TypeVar("T")


def run_with_sessions(
    work: Callable[[SessionMaker], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Run ``work`` with sessions on the configured database, then close the engine."""

    async def run() -> T:
        engine = create_engine((settings or get_settings()).database_url)
        try:
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def run_in_transaction(
    work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None
) -> T:
    """Run ``work`` in one transaction, committed when it returns."""

    async def once(sessions: SessionMaker) -> T:
        async with transaction(sessions) as session:
            return await work(session)

    return run_with_sessions(once, settings)
