"""Fixtures of the inbound tests: an application on a frozen clock with a fake national check,
valid registration bodies, and callers of every role."""

from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.messages.codes import AccessType, Kind
from oss_router.registers.contract import RegisterHit
from oss_router.registers.service import NationalCheck
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.payloads import SUBJECTS

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def registration(kind: str = "person", **overrides: Any) -> dict[str, Any]:
    """A valid body of ``POST /v1/inbound``: a SIENA request from Germany."""
    body: dict[str, Any] = {
        "channel": "europol",
        "partner_reference": "DE-BKA-2026-0001",
        "requesting_country": "DE",
        "requesting_authority": "Bundeskriminalamt, Wiesbaden",
        "kind": kind,
        "subject": dict(SUBJECTS.get(kind, SUBJECTS["person"])),
        "purpose": "Suspected member of a vehicle theft ring, case 2026/55",
    }
    body.update(overrides)
    return body


class FakeChecker:
    """The national check, answered from a fixed access type and hits; counts its calls."""

    def __init__(self) -> None:
        self.access_type = AccessType.DIRECT
        self.hits: list[RegisterHit] = []
        self.calls = 0
        self.fail = False

    async def __call__(self, kind: Kind, subject: Mapping[str, Any]) -> NationalCheck:
        self.calls += 1
        if self.fail:
            raise RuntimeError("registers down")
        return NationalCheck(
            checked_at=T0,
            registers=["wanted_persons"],
            unavailable=[],
            hits=self.hits,
            access_type=self.access_type,
        )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def checker() -> FakeChecker:
    return FakeChecker()


@pytest.fixture
async def app(
    settings: Settings, clock: FrozenClock, checker: FakeChecker
) -> AsyncIterator[FastAPI]:
    application = create_app(settings, migrate=True, clock=clock)
    application.state.national_checker = checker
    async with application.router.lifespan_context(application):
        yield application


Caller = Callable[..., dict[str, str]]


@pytest.fixture
def headers(app: FastAPI) -> Caller:
    """``headers(role, subject=None, unit=None)``: the Authorization header of such a caller."""

    def make(
        role: Role | str, subject: str | None = None, unit: str | None = None
    ) -> dict[str, str]:
        return auth_headers(app, role, subject, unit)

    return make


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client without a token of its own (each call passes ``headers=``); an officer
    by default."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers=auth_headers(app, Role.OFFICER, "sofia"),
    ) as client:
        yield client
