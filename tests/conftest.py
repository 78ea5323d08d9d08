"""Fixtures: settings per database backend, the application with its lifespan, an HTTP client.

The ``backend`` fixture runs a test on SQLite and, for tests marked ``postgres``-capable through
``db_backend``, on PostgreSQL too: every database test proves both engines.
"""

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.config import Settings
from oss_router.messages.codes import Channel
from tests.support.services import fresh_postgres_database

FAST_RETRY_DELAYS_MS = [50, 100]


@pytest.fixture(autouse=True)
def _zero_latency_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stub adapters answer at once unless a test configures latency itself."""
    for channel in Channel:
        monkeypatch.setenv(f"OSS_ROUTER_ADAPTER_{channel.name}_LATENCY_MS", "0")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'oss_router.db'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "broker_url": "memory://",
        "retry_delays_ms": FAST_RETRY_DELAYS_MS,
        "max_attempts": 3,
        "relay_poll_seconds": 0.05,
        "adapter_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, migrate=True)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def pytest_report_header() -> str:
    missing = "fail" if os.environ.get("CI") == "true" else "skip"
    return f"CI={os.environ.get('CI', '')!r}: tests whose services are missing {missing}"
