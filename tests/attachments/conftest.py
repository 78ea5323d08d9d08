"""Fixtures of the attachment tests: a gateway without workers (requests stay queued) with
small attachment limits, and callers of every role."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings
from tests.conftest import make_settings
from tests.support.auth import auth_headers
from tests.support.payloads import request_body

KIB = 1024
FILE_LIMIT = 200 * KIB  # over the JSON body limit (64 KiB): only the upload route admits it
MESSAGE_LIMIT = 300 * KIB
UNIT = "PCCC-FR-DE-KEHL"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        attachment_max_bytes=FILE_LIMIT,
        message_attachments_max_bytes=MESSAGE_LIMIT,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, embedded=False, migrate=True)
    async with application.router.lifespan_context(application):
        yield application


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


def as_(app: FastAPI, role: Role, subject: str = "sofia", unit: str | None = None) -> Any:
    return auth_headers(app, role, subject, unit if role is Role.PCCC else None)


async def upload(
    http: httpx.AsyncClient,
    content: bytes,
    filename: str = "photo.jpg",
    declared: str = "image/jpeg",
    **kwargs: Any,
) -> httpx.Response:
    return await http.post(
        "/v1/attachments", files={"file": (filename, content, declared)}, **kwargs
    )


async def create_request(http: httpx.AsyncClient, **kwargs: Any) -> dict[str, Any]:
    response = await http.post("/v1/requests", json=request_body(), **kwargs)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body
