"""OAuth2 clients (PCCC systems): client credentials → token; rotation and revocation."""

import base64
from urllib.parse import quote

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.support.payloads import request_body

from oss_router.auth import clients
from oss_router.cli import main as cli
from oss_router.clock import utcnow
from oss_router.config import get_settings
from oss_router.db import transaction
from oss_router.models import ApiClient

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def register(app: FastAPI, client_id: str = "pccc-kehl") -> str:
    async with transaction(app.state.runtime.sessions) as session:
        _, secret = await clients.create_client(
            session, unit="PCCC-KEHL", name="Kehl", client_id=client_id, now=utcnow()
        )
    return secret


async def token_for(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return await http.post("/v1/auth/token", data=form)


def bearer(response: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_a_pccc_client_gets_a_token_and_acts_for_its_unit(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    secret = await register(app)
    response = await token_for(anonymous, "pccc-kehl", secret)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["unit"]) == ("pccc-kehl", "pccc", "PCCC-KEHL")

    created = await anonymous.post("/v1/requests", json=request_body(), headers=bearer(response))
    assert created.status_code == 202, created.text
    assert (created.json()["origin"], created.json()["border_area"]) == ("pccc", True)


async def test_http_basic_client_authentication_works_too(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    secret = await register(app, "pccc.basic")
    basic = base64.b64encode(f"{quote('pccc.basic')}:{quote(secret)}".encode()).decode()
    response = await anonymous.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text


async def test_the_secret_is_stored_as_an_argon2_hash_only(app: FastAPI) -> None:
    secret = await register(app)
    async with transaction(app.state.runtime.sessions) as session:
        stored = (await session.scalars(select(ApiClient))).one()
    assert stored.secret_hash.startswith("$argon2id$")
    assert secret not in stored.secret_hash


BAD_TOKEN_REQUESTS = [
    ({"grant_type": "client_credentials", "client_id": "pccc-kehl", "client_secret": "no"},
     401, "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
     401, "invalid_client"),
    ({"grant_type": "password", "client_id": "pccc-kehl", "client_secret": "x"},
     400, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, 401, "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "a" * 201, "client_secret": "x"},
     400, "invalid_request"),
]  # fmt: skip


async def test_bad_token_requests_get_rfc_6749_errors(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    await register(app)
    for form, status, error in BAD_TOKEN_REQUESTS:
        response = await anonymous.post("/v1/auth/token", data=form)
        assert (response.status_code, response.json()["error"]) == (status, error), form
        assert response.headers["content-type"] == "application/problem+json"


async def test_repeated_parameters_and_json_bodies_are_refused(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    repeated = "grant_type=client_credentials&client_id=a&client_id=b&client_secret=x"
    response = await anonymous.post("/v1/auth/token", content=repeated, headers=FORM)
    assert response.status_code == 400
    as_json = await anonymous.post("/v1/auth/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 415


async def test_rotation_retires_the_old_secret_and_its_tokens(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    old_secret = await register(app)
    old_token = bearer(await token_for(anonymous, "pccc-kehl", old_secret))
    async with transaction(app.state.runtime.sessions) as session:
        new_secret = await clients.rotate_secret(session, "pccc-kehl", utcnow())

    assert (await token_for(anonymous, "pccc-kehl", old_secret)).status_code == 401
    refused = await anonymous.get("/v1/requests", headers=old_token)
    assert refused.status_code == 401
    assert "rotated" in refused.json()["detail"]
    new_token = bearer(await token_for(anonymous, "pccc-kehl", new_secret))
    assert (await anonymous.get("/v1/requests", headers=new_token)).status_code == 200


async def test_revocation_stops_the_client_at_once(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    secret = await register(app)
    issued = bearer(await token_for(anonymous, "pccc-kehl", secret))
    async with transaction(app.state.runtime.sessions) as session:
        await clients.revoke(session, "pccc-kehl", utcnow())
    assert (await anonymous.get("/v1/requests", headers=issued)).status_code == 401
    assert (await token_for(anonymous, "pccc-kehl", secret)).status_code == 401


def test_the_client_commands(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    app: FastAPI,  # migrated database
) -> None:
    monkeypatch.setenv("OSS_ROUTER_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        assert cli.main(["client", "create", "--unit", "PCCC-KEHL", "--client-id", "kehl"]) == 0
        created = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
        assert created["client_id"] == "kehl"
        assert len(created["client_secret"]) >= 40
        assert cli.main(["client", "rotate", "kehl"]) == 0
        rotated = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
        assert rotated["client_secret"] != created["client_secret"]
        assert cli.main(["client", "revoke", "kehl"]) == 0
        assert cli.main(["client", "list"]) == 0
        assert "kehl\tpccc\tPCCC-KEHL\trevoked" in capsys.readouterr().out
        assert cli.main(["client", "rotate", "kehl"]) == 1  # revoked: nothing to rotate
        assert cli.main(["client", "create", "--unit", "bad unit"]) == 2
    finally:
        get_settings.cache_clear()
