"""Hostile input: rate limits, body and field bounds, headers, CORS, no personal data in logs."""

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from tests.conftest import make_settings
from tests.support.auth import auth_headers
from tests.support.payloads import request_body
from tests.support.polling import until_terminal

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.gateway.ratelimit import TokenBuckets
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.redaction import redact


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: nothing here depends on the database engine (the API's tests prove both)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'oss_router.db'}"


@pytest.fixture
async def strict_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """Small limits, so that a handful of calls reach them."""
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        rate_limit_per_second=0.01,
        rate_limit_burst=3,
        anonymous_rate_per_second=0.01,
        anonymous_burst=2,
        cors_origins=["https://desk.police.example"],
    )
    app = create_app(settings, migrate=True, embedded=False)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def strict(strict_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=strict_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_each_principal_has_its_own_token_bucket(
    strict_app: FastAPI, strict: httpx.AsyncClient
) -> None:
    alice = auth_headers(strict_app, Role.OFFICER, "alice")
    statuses = [(await strict.get("/v1/requests", headers=alice)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await strict.get("/v1/requests", headers=alice)
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    bob = auth_headers(strict_app, Role.OFFICER, "bob")
    assert (await strict.get("/v1/requests", headers=bob)).status_code == 200


async def test_calls_without_a_valid_token_are_limited_per_address(
    strict: httpx.AsyncClient,
) -> None:
    statuses = [(await strict.get("/v1/requests")).status_code for _ in range(2)]
    statuses.append(
        (await strict.get("/v1/requests", headers={"Authorization": "Bearer x"})).status_code
    )
    form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
    statuses.append((await strict.post("/v1/auth/token", data=form)).status_code)
    assert statuses == [401, 401, 429, 429]


def test_token_buckets_refill_and_stay_bounded() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=2, max_keys=2, clock=lambda: now[0])
    assert [buckets.wait_seconds("a") for _ in range(3)] == [0.0, 0.0, 0.5]
    now[0] += 0.5
    assert buckets.wait_seconds("a") == 0.0
    buckets.wait_seconds("b")
    buckets.wait_seconds("c")  # "a" is the least recently used: forgotten
    assert len(buckets._buckets) == 2
    assert "a" not in buckets._buckets


async def test_bodies_and_fields_are_bounded(client: httpx.AsyncClient) -> None:
    huge = await client.post(
        "/v1/requests",
        content=b"{" + b" " * 70_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    cases: list[dict[str, Any]] = [
        request_body(unexpected="field"),
        request_body(target_countries=["DE"] * 31),
        request_body(purpose="x" * 2001),
        request_body(subject={"family_name": "K" * 101}),
        request_body(subject={"family_name": "Kowalski", "aliases": ["a"] * 21}),
    ]
    for body in cases:
        response = await client.post("/v1/requests", json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"]


async def test_an_oversized_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/requests", headers={"Authorization": "Bearer " + "a" * 9000})
    assert response.status_code == 401
    assert "too long" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/healthz", "/v1/requests", "/ui/requests", "/", "/openapi.json"])
async def test_security_headers_are_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    if path.startswith("/v1/"):
        assert response.headers["cache-control"] == "no-store"


async def test_security_headers_also_on_refused_bodies(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/requests", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["x-frame-options"] == "DENY"


async def test_cors_is_closed_by_default(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/v1/requests",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = await client.get("/v1/requests", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_opens_only_to_configured_origins(strict: httpx.AsyncClient) -> None:
    allowed = await strict.options(
        "/v1/requests",
        headers={
            "Origin": "https://desk.police.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert allowed.headers["access-control-allow-origin"] == "https://desk.police.example"
    other = await strict.options(
        "/v1/requests",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


# --- No personal data in application logs -----------------------------------------------------


def test_redaction_of_the_shapes_personal_data_take_in_logs() -> None:
    texts = [
        "subject={'family_name': 'Kowalski', 'given_names': 'Jan'}",
        '{"family_name": "Kowalski", "date_of_birth": "1980-02-17"}',
        "family_name='Kowalski'",
        "input_value={'vin': 'WVWZZZ1JZXW000001'}, input_type=dict",
        "[SQL: INSERT ...] [parameters: ('Kowalski', '1980-02-17')]",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl",
    ]
    for text in texts:
        redacted = redact(text)
        assert "Kowalski" not in redacted
        assert "WVWZZZ1JZXW000001" not in redacted
        assert "eyJzdWIiOiJhIn0" not in redacted
        assert "[redacted]" in redacted
    assert redact("dispatch 42 failed after 3 attempts") == "dispatch 42 failed after 3 attempts"


def test_log_records_are_redacted_whatever_the_handler(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("oss_router.test")
    envelope = {"subject": {"family_name": "Kowalski"}, "kind": "person"}
    with caplog.at_level(logging.INFO):
        log.warning("malformed envelope: %s", envelope)
        log.info("lookup of %(who)s", {"who": {"family_name": "Kowalski"}})
        try:
            DispatchEnvelope.model_validate({"subject": {"family_name": "Kowalski"}})
        except ValidationError:
            log.exception("rejected")
        log.info("%s - %s %s", "127.0.0.1", "GET", "/v1/requests")
    assert "Kowalski" not in caplog.text
    assert "127.0.0.1 - GET /v1/requests" in caplog.text


async def test_a_whole_run_logs_no_personal_data(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        answered = await client.post("/v1/requests", json=request_body())
        failed = await client.post("/v1/requests", json=request_body(reference="stub:permanent"))
        for response in (answered, failed):
            await until_terminal(client, response.json()["id"])
        await client.post("/v1/requests", json=request_body(subject={"family_name": 42}))
    assert caplog.records  # the run did log
    assert "Kowalski" not in caplog.text
    assert "1980-02-17" not in caplog.text


async def test_the_policy_lets_the_sign_in_reach_the_identity_provider_only(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        oidc_token_url="https://idp.example/realms/police/protocol/openid-connect/token",
    )
    app = create_app(settings, migrate=True, embedded=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            policy = (await http.get("/sign-in")).headers["content-security-policy"]
    assert "connect-src 'self' https://idp.example;" in policy
    assert "script-src 'self';" in policy
