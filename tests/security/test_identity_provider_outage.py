"""When the identity provider's keys cannot be fetched: logged with the cause, reported by
``/readyz``, bounded, and over once the JWKS document is reachable again.

The identity provider is a real HTTPS server (tests/support/jwks_server.py) whose certificate
comes from a private CA.
"""

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from tests.conftest import make_settings
from tests.support.jwks_server import JwksServer, jwks_of, jwks_server

from oss_router.app import create_app
from oss_router.auth import keys as keys_module
from oss_router.auth.setup import InsecureConfigurationError

ISSUER = "https://idp.police.example/realms/police"
SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def identity_provider(tmp_path: Path) -> Iterator[JwksServer]:
    with jwks_server(tmp_path, jwks_of(realm=SIGNING_KEY)) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_process_wide_trust(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours these: the tests decide what the JWKS client trusts."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@asynccontextmanager
async def gateway(tmp_path: Path, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", **{"auth_issuer": ISSUER, **overrides}
    )
    app = create_app(settings, migrate=True, embedded=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def staff_token() -> dict[str, str]:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": "oss-router",
        "sub": "anna.nowak",
        "role": "supervisor",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    token = jwt.encode(claims, SIGNING_KEY, algorithm="ES256", headers={"kid": "realm"})
    return {"Authorization": f"Bearer {token}"}


def jwks_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == keys_module.__name__ and record.levelno == logging.WARNING
    ]


async def test_an_untrusted_certificate_is_logged_once_and_makes_the_gateway_unready(
    tmp_path: Path, identity_provider: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        async with gateway(tmp_path, auth_jwks_url=identity_provider.url) as http:
            ready = await http.get("/readyz")
            calls = [await http.get("/v1/auth/me", headers=staff_token()) for _ in range(5)]

    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": True, "broker": True, "identity_provider": False}
    assert "CERTIFICATE_VERIFY_FAILED" in body["reasons"]["identity_provider"]
    for response in calls:
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "5"
    # One message with the cause and the remedy for six failed calls; no traceback.
    [warning] = jwks_warnings(caplog)
    assert "CERTIFICATE_VERIFY_FAILED" in warning.getMessage()
    assert "OSS_ROUTER_AUTH_CA_FILE" in warning.getMessage()
    assert identity_provider.url in warning.getMessage()
    assert not [record for record in caplog.records if record.exc_info]


async def test_the_private_ca_is_trusted_through_the_ca_file_setting(
    tmp_path: Path, identity_provider: JwksServer
) -> None:
    settings = {"auth_jwks_url": identity_provider.url, "auth_ca_file": identity_provider.ca_file}
    async with gateway(tmp_path, **settings) as http:
        ready = await http.get("/readyz")
        me = await http.get("/v1/auth/me", headers=staff_token())
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": True, "broker": True, "identity_provider": True},
    }
    assert me.status_code == 200, me.text
    assert me.json()["actor"] == "supervisor:anna.nowak"


async def test_an_outage_is_reported_and_the_gateway_recovers_without_restart(
    tmp_path: Path,
    identity_provider: JwksServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keys_module, "JWKS_RETRY_SECONDS", 0.0)  # retry at every call
    identity_provider.failing = True
    settings = {"auth_jwks_url": identity_provider.url, "auth_ca_file": identity_provider.ca_file}
    with caplog.at_level(logging.INFO):
        async with gateway(tmp_path, **settings) as http:
            down = await http.get("/readyz")
            refused = [await http.get("/v1/auth/me", headers=staff_token()) for _ in range(3)]
            identity_provider.failing = False
            up = await http.get("/readyz")
            me = await http.get("/v1/auth/me", headers=staff_token())

    assert down.status_code == 503
    assert down.json()["checks"]["identity_provider"] is False
    assert "HTTP 500" in down.json()["reasons"]["identity_provider"]
    assert [response.status_code for response in refused] == [503, 503, 503]
    assert up.status_code == 200, up.text
    assert up.json()["checks"]["identity_provider"] is True
    assert "reasons" not in up.json()
    assert me.status_code == 200, me.text
    assert len(identity_provider.fetches) == 5  # four failed fetches, one that worked
    # The same cause is logged once however often it recurs (JWKS_LOG_SECONDS); recovery too.
    [warning] = jwks_warnings(caplog)
    assert "HTTP 500" in warning.getMessage()
    recovered = [
        record.getMessage() for record in caplog.records if record.name == keys_module.__name__
    ]
    assert any("reachable again" in message for message in recovered)


async def test_failed_fetches_are_retried_at_most_every_few_seconds(
    tmp_path: Path, identity_provider: JwksServer
) -> None:
    """A flood of calls during an outage does not become a flood of fetches."""
    identity_provider.failing = True
    settings = {"auth_jwks_url": identity_provider.url, "auth_ca_file": identity_provider.ca_file}
    async with gateway(tmp_path, **settings) as http:
        statuses = {
            (await http.get("/v1/auth/me", headers=staff_token())).status_code for _ in range(20)
        }
        await http.get("/readyz")
    assert statuses == {503}
    assert len(identity_provider.fetches) == 1


def test_an_unreadable_ca_file_refuses_to_start(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate")
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        auth_issuer=ISSUER,
        auth_jwks_url="https://idp.police.example/certs",
        auth_ca_file=not_pem,
    )
    with pytest.raises(InsecureConfigurationError, match="OSS_ROUTER_AUTH_CA_FILE"):
        create_app(settings)


async def test_without_an_identity_provider_readiness_keeps_its_two_checks(
    tmp_path: Path,
) -> None:
    async with gateway(tmp_path, auth_issuer=None) as http:
        ready = await http.get("/readyz")
    assert ready.json() == {"status": "ready", "checks": {"database": True, "broker": True}}
