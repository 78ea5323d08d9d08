"""``GET /v1/auth/me``: the principal as the server sees it, which the web client follows."""

import httpx
from fastapi import FastAPI
from tests.support.auth import auth_headers

from oss_router.auth.principal import Role


async def test_me_names_the_principal_the_server_sees(
    anonymous: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = auth_headers(app, Role.PCCC, "pccc.kehl", "PCCC-FR-DE-KEHL")
    response = await anonymous.get("/v1/auth/me", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": "pccc.kehl",
        "role": "pccc",
        "unit": "PCCC-FR-DE-KEHL",
        "actor": "pccc:pccc.kehl",
    }


async def test_me_without_a_valid_token_is_401(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/auth/me", headers={"Authorization": "Bearer x.y.z"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
