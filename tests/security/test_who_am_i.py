"""``GET /v1/auth/me``: the caller as the server sees it, for every role and every issuer."""

import httpx
import pytest
from fastapi import FastAPI
from tests.security.test_clients import bearer, register, token_for
from tests.support.auth import auth_headers

from oss_router.auth.principal import Role


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.OFFICER, None),
        (Role.SUPERVISOR, None),
        (Role.AUDITOR, None),
        (Role.PCCC, "PCCC-KEHL"),
        (Role.OFFICER, "desk-3"),
    ],
)
async def test_a_staff_token_names_its_principal(
    app: FastAPI, anonymous: httpx.AsyncClient, role: Role, unit: str | None
) -> None:
    response = await anonymous.get(
        "/v1/auth/me", headers=auth_headers(app, role, "anna.nowak", unit)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": "anna.nowak",
        "role": role.value,
        "unit": unit,
        "actor": f"{role.value}:anna.nowak",
    }
    assert response.headers["cache-control"] == "no-store"


async def test_a_pccc_client_token_names_the_client_and_its_unit(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    secret = await register(app)
    issued = await token_for(anonymous, "pccc-kehl", secret)
    response = await anonymous.get("/v1/auth/me", headers=bearer(issued))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": "pccc-kehl",
        "role": "pccc",
        "unit": "PCCC-KEHL",
        "actor": "pccc:pccc-kehl",
    }


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}])
async def test_without_a_valid_token_it_is_a_401_problem(
    anonymous: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await anonymous.get("/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_openapi_document_describes_the_principal(
    anonymous: httpx.AsyncClient,
) -> None:
    document = (await anonymous.get("/openapi.json")).json()
    operation = document["paths"]["/v1/auth/me"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PrincipalRead"}
    assert "401" in operation["responses"]
    assert operation["security"] == [{"HTTPBearer": []}]
    schema = document["components"]["schemas"]["PrincipalRead"]
    assert set(schema["required"]) == {"subject", "role", "unit", "actor"}
    roles = document["components"]["schemas"][schema["properties"]["role"]["$ref"].split("/")[-1]]
    assert set(roles["enum"]) == {"officer", "supervisor", "pccc", "auditor"}
