"""Audit-log helpers: reading the log, tampering with it as a superuser, the command line."""

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from oss_router.cli import main as cli
from oss_router.config import get_settings
from oss_router.db import transaction
from oss_router.models import AuditEntry

_SQLITE_TRIGGERS = ["audit_log_no_update", "audit_log_no_delete", "audit_chain_head_forward"]


async def log_of(app: FastAPI) -> list[AuditEntry]:
    async with transaction(app.state.runtime.sessions) as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.seq))).all())


class without_triggers:  # noqa: N801 - used as a context manager, reads like one
    """A connection on which the append-only triggers do not fire (a superuser's, in effect)."""

    def __init__(self, app: FastAPI) -> None:
        self.engine = app.state.runtime.engine

    async def __aenter__(self) -> Any:
        self.context = self.engine.begin()
        connection = await self.context.__aenter__()
        if self.engine.dialect.name == "postgresql":
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in _SQLITE_TRIGGERS:
                await connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        return connection

    async def __aexit__(self, *exc: object) -> None:
        await self.context.__aexit__(*exc)


async def run_cli(monkeypatch: pytest.MonkeyPatch, database_url: str, *argv: str) -> int:
    """The command line, run as a separate program would (its own thread and event loop)."""
    monkeypatch.setenv("OSS_ROUTER_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        return await asyncio.to_thread(cli.main, list(argv))
    finally:
        get_settings.cache_clear()
