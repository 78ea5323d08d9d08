"""Fixtures of the case-file tests: a gateway without workers (requests stay queued) on a
frozen clock, with the fake national check of the inbound tests, and callers of every role."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings
from tests.inbound.conftest import T0, Caller, FakeChecker, registration
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.payloads import request_body

__all__ = ["T0", "Caller", "case_body", "registration", "request_body"]


def case_body(reference: str = "NAT-2026-0001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Vehicle smuggling ring, northern border",
        "reference": reference,
        "crime_area": "motor_vehicle_crime",
        "handling_code": "H1",
    }
    body.update(overrides)
    return body


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, embedded=False, migrate=True, clock=clock)
    application.state.national_checker = FakeChecker()
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def headers(app: FastAPI) -> Caller:
    def make(
        role: Role | str, subject: str | None = None, unit: str | None = None
    ) -> dict[str, str]:
        return auth_headers(app, role, subject, unit)

    return make


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An officer (``sofia``) unless a call passes other ``headers=``."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers=auth_headers(app, Role.OFFICER, "sofia"),
    ) as client:
        yield client
