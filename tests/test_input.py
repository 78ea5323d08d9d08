"""No text a client sends reaches a database with NUL in it, and no body type breaks a validator:
every such request gets a 4xx naming the field, on SQLite and PostgreSQL alike."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.input import InputModel
from tests.conftest import make_settings
from tests.support.auth import auth_headers
from tests.support.db import stored_counts
from tests.support.payloads import request_body

PROBLEM = "application/problem+json"
NUL = "\u0000"


def _fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == PROBLEM, response.text
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("path", ["/v1/requests", "/v1/routing/preview"])
@pytest.mark.parametrize("kind", [{}, [], {"person": 1}, 7, None, True, ["person"]])
async def test_a_kind_of_any_json_type_is_named(
    app: FastAPI, client: httpx.AsyncClient, path: str, kind: Any
) -> None:
    response = await client.post(path, json={**request_body(), "kind": kind})

    assert response.status_code == 422, response.text
    assert _fields(response) == ["kind"]
    assert response.json()["errors"][0]["message"].startswith("Choose what is looked up")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purpose": f"Investigation {NUL} of a theft ring"}, "purpose"),
        ({"subject": {"family_name": f"Kow{NUL}alski"}}, "subject.family_name"),
        ({"subject": {"family_name": "Nowak", "aliases": ["Jan", f"J{NUL}"]}}, "subject.aliases"),
        ({"reference": f"case{NUL}"}, "reference"),
        ({"override_reason": NUL}, "override_reason"),
        ({"target_countries": [f"D{NUL}"]}, "target_countries[0]"),
    ],
)
async def test_nul_in_a_request_field_is_refused(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/requests", json=request_body(**overrides))

    assert response.status_code == 422, response.text
    assert _fields(response) == [field]
    assert (await stored_counts(app))["exchange_requests"] == 0


async def test_nul_in_cancel_and_reroute_reasons_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = (await client.post("/v1/requests", json=request_body())).json()
    cancel = await client.post(
        f"/v1/requests/{created['id']}/cancel", json={"reason": f"dup{NUL}licate"}
    )
    reroute = await client.post(
        f"/v1/requests/{created['id']}/dispatches/{created['dispatches'][0]['id']}/reroute",
        json={"channel": "interpol", "reason": f"outage{NUL}"},
        headers=auth_headers(app, Role.SUPERVISOR),
    )

    assert (cancel.status_code, _fields(cancel)) == (422, ["reason"])
    assert (reroute.status_code, _fields(reroute)) == (422, ["reason"])


async def test_nul_in_query_parameters_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    auditor = auth_headers(app, Role.AUDITOR)
    audit = await client.get("/v1/audit", params={"actor": f"desk{NUL}"}, headers=auditor)
    listing = await client.get("/v1/requests", params={"cursor": NUL, "kind": "person"})

    assert (audit.status_code, _fields(audit)) == (422, ["actor"])
    assert (listing.status_code, _fields(listing)) == (422, ["cursor"])


async def test_nul_in_a_header_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/requests", json=request_body(), headers={"Idempotency-Key": "case\x00114"}
    )

    assert response.status_code in {400, 422}, response.text
    assert _fields(response) == ["idempotency-key"]


async def test_nul_in_the_token_form_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/token",
        content=b"grant_type=client_credentials&client_id=pccc%00&client_secret=s",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


def test_every_body_model_refuses_nul() -> None:
    """A body model added later gets the NUL check too, or this test names it."""
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    routes = [context.original_route for context in iter_route_contexts(app.router.routes)]
    bodies = {
        f"{route.path}: {model.__name__}": issubclass(model, InputModel)
        for route in routes
        if isinstance(route, APIRoute) and route.body_field is not None
        for model in _models(route.body_field.field_info.annotation)
    }
    assert "/v1/requests: PersonRequest" in bodies  # the routes were found
    assert [body for body, guarded in bodies.items() if not guarded] == []


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for member in getattr(annotation, "__args__", ()) for model in _models(member)]
