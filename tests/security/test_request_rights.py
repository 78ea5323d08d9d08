"""Rights that depend on the request, not only on the endpoint: override, cancel, PCCC intake."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from tests.support.auth import auth_headers
from tests.support.payloads import request_body

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings

KEHL = "PCCC-FR-DE-KEHL"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The gateway alone: requests stay open (nothing publishes them)."""
    application = create_app(settings, migrate=True, embedded=False)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_routing_override_is_a_supervisor_right(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    override = request_body(preferred_channel="interpol", override_reason="SIENA is down")
    for endpoint in ("/v1/requests", "/v1/routing/preview"):
        refused = await client.post(endpoint, json=override)
        assert refused.status_code == 403, endpoint
        assert refused.json()["errors"][0]["field"] == "preferred_channel"
        pccc = await client.post(endpoint, json=override, headers=auth_headers(app, Role.PCCC))
        assert pccc.status_code == 403
    supervisor = auth_headers(app, Role.SUPERVISOR)
    accepted = await client.post("/v1/requests", json=override, headers=supervisor)
    assert accepted.status_code == 202
    assert accepted.json()["dispatches"][0]["channel"] == "interpol"


async def test_officers_cancel_their_own_requests_supervisors_any(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    mine = (await client.post("/v1/requests", json=request_body())).json()["id"]
    colleague = auth_headers(app, Role.OFFICER, "colleague")
    theirs = (await client.post("/v1/requests", json=request_body(), headers=colleague)).json()
    reason = {"reason": "no longer needed"}

    assert (
        await client.post(f"/v1/requests/{theirs['id']}/cancel", json=reason)
    ).status_code == 403
    assert (await client.post(f"/v1/requests/{mine}/cancel", json=reason)).status_code == 200
    supervisor = auth_headers(app, Role.SUPERVISOR)
    cancelled = await client.post(
        f"/v1/requests/{theirs['id']}/cancel", json=reason, headers=supervisor
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


async def test_pccc_requests_carry_origin_unit_and_border_area(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pccc = auth_headers(app, Role.PCCC, "kehl-system", KEHL)
    default = (await client.post("/v1/requests", json=request_body(), headers=pccc)).json()
    assert (default["origin"], default["border_area"]) == ("pccc", True)
    explicit = await client.post("/v1/requests", json=request_body(border_area=False), headers=pccc)
    assert explicit.json()["border_area"] is False  # an explicit false stays false
    desk = (await client.post("/v1/requests", json=request_body())).json()
    assert (desk["origin"], desk["border_area"]) == ("desk", False)

    own = await client.get(f"/v1/requests/{default['id']}", headers=pccc)
    assert own.status_code == 200
    other = auth_headers(app, Role.PCCC, "basel-system", "PCCC-CH-BASEL")
    assert (await client.get(f"/v1/requests/{default['id']}", headers=other)).status_code == 404


async def test_possible_duplicates_never_name_another_units_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The duplicate warning names an earlier request: for a PCCC only one of its own."""
    desk = (await client.post("/v1/requests", json=request_body())).json()["id"]
    pccc = auth_headers(app, Role.PCCC, "kehl-system", KEHL)
    first = (await client.post("/v1/requests", json=request_body(), headers=pccc)).json()
    assert [w["code"] for w in first["warnings"]] == []
    second = (await client.post("/v1/requests", json=request_body(), headers=pccc)).json()
    named = [w.get("existing_request_id") for w in second["warnings"]]
    assert named == [first["id"]]
    officer_view = (await client.post("/v1/requests", json=request_body())).json()
    assert {w.get("existing_request_id") for w in officer_view["warnings"]} <= {
        desk,
        first["id"],
        second["id"],
    }
    assert officer_view["warnings"]
