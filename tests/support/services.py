"""Reaching the real PostgreSQL and RabbitMQ on loopback, or explaining why a test cannot.

On a developer machine without a service the tests that need it are skipped with the reason;
in CI (``CI=true``) a missing service fails the run instead: it must never pass by skipping.
"""

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_ADMIN_URL = os.environ.get(
    "OSS_ROUTER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
RABBITMQ_URL = os.environ.get("OSS_ROUTER_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(service: str, reason: str) -> None:
    message = f"{service} is not reachable ({reason})"
    if in_ci():
        pytest.fail(f"{message}: CI needs it, a skip would hide untested code", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if not port_open("127.0.0.1", 5432):
        unavailable("PostgreSQL at 127.0.0.1:5432", "connection refused")


def require_rabbitmq() -> None:
    if not port_open("127.0.0.1", 5672):
        unavailable("RabbitMQ at 127.0.0.1:5672", "connection refused")


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty database for one test, dropped afterwards; yields its URL."""
    require_postgres()
    name = f"oss_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await asyncio.sleep(0)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


CHROMIUM = "/usr/bin/chromium"


def require_chromium() -> str:
    """Debian's chromium, which Playwright drives (``make browser-deps`` installs it)."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"chromium at {CHROMIUM}", "not installed; `make browser-deps` installs it")
    return CHROMIUM
