"""Applications wired for a test: the gateway alone, with pieces started by the test itself."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings
from tests.support.auth import auth_headers


@asynccontextmanager
async def gateway_only(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Gateway with no relay, tracker or workers running: the test drives those."""
    app = create_app(settings, embedded=False, migrate=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = auth_headers(app, Role.OFFICER)  # as the ``client`` fixture: an officer
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as client:
            yield app, client
