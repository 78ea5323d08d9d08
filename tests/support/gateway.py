"""A gateway without relay, tracker or workers (dispatches stay where the test puts them),
on a frozen clock, for tests that drive every step themselves."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.runtime import Runtime
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock


@asynccontextmanager
async def quiet_gateway(
    settings: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, embedded=False, migrate=True, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = auth_headers(app, Role.OFFICER)  # as the ``client`` fixture: an officer
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as http:
            yield app, http


def runtime_of(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime
