"""Fixtures: settings per database backend, the application with its lifespan, an HTTP client.

The ``backend`` fixture runs a test on SQLite and, for tests marked ``postgres``-capable through
``db_backend``, on PostgreSQL too: every database test proves both engines.
"""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth import clients
from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.messages.codes import Channel
from oss_router.registers import service as registers
from tests.support.auth import TEST_DEV_SECRET, auth_headers
from tests.support.services import fresh_postgres_database

FAST_RETRY_DELAYS_MS = [50, 100]


@pytest.fixture(autouse=True)
def _zero_latency_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stub adapters answer at once unless a test configures latency itself."""
    for channel in Channel:
        monkeypatch.setenv(f"OSS_ROUTER_ADAPTER_{channel.name}_LATENCY_MS", "0")


# The stub national registers (pyproject.toml, entry points oss_router.registers).
STUB_REGISTERS = (
    "wanted_persons",
    "missing_persons",
    "stolen_vehicles",
    "stolen_documents",
    "dna_profiles",
)


@pytest.fixture(autouse=True)
def _instant_registers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stub registers answer at once unless a test configures latency itself; each test starts
    with none installed (an application's start-up, or the first check, loads them)."""
    for name in STUB_REGISTERS:
        monkeypatch.setenv(f"OSS_ROUTER_REGISTER_{name.upper()}_LATENCY_MS", "0")
    registers.install(None)
    yield
    registers.install(None)


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Client secrets hashed with minimal argon2 costs: the suite tests the logic, not the cost
    (production keeps argon2-cffi's RFC 9106 defaults, about 0.3 s a hash on CI's cores)."""
    monkeypatch.setattr(
        clients, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    clients._dummy_hash.cache_clear()


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
        "dev_secret": TEST_DEV_SECRET,
        # Generous limits: the suite is not a flood (tests/security/ tests the limits).
        "rate_limit_per_second": 10_000,
        "rate_limit_burst": 100_000,
        "anonymous_rate_per_second": 10_000,
        "anonymous_burst": 100_000,
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
    """An HTTP client authenticated as an officer (subject ``test-officer``); pass
    ``headers=auth_headers(app, role, ...)`` on a call to act as someone else."""
    transport = httpx.ASGITransport(app=app)
    headers = auth_headers(app, Role.OFFICER)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        yield http


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that sends no token."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def pytest_report_header() -> str:
    missing = "fail" if os.environ.get("CI") == "true" else "skip"
    return f"CI={os.environ.get('CI', '')!r}: tests whose services are missing {missing}"
