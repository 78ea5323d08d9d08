"""A request keeps the routing decision it was taken under: after the policy moved to v2, a
request routed under v1 (a DNA profile to DE through SIENA, R3, a 7-day Directive deadline)
still reads as it was routed, beside the current policy's decisions."""

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.models import Dispatch, ExchangeRequest
from tests.support.payloads import request_body
from tests.support.polling import until_terminal

V1 = "routing-policy-v1+refdata-2026-11-21"
V1_BASIS = "Directive (EU) 2023/977 Art. 5(1)(c): not urgent — 7 days (168 hours)"
V1_WHY = "DE is an EU member state; SIENA (Europol) is the default channel between member states."


async def as_routed_under_v1(app: FastAPI, request_id: str) -> None:
    """What a v1 intake stored for a DNA profile to DE (the rows are never recomputed)."""
    async with app.state.runtime.sessions() as session, session.begin():
        request = await session.get(ExchangeRequest, uuid.UUID(request_id))
        assert request is not None
        request.policy_version = V1
        [dispatch] = await session.scalars(
            select(Dispatch).where(Dispatch.request_id == request.id)
        )
        dispatch.channel, dispatch.rule = "europol", "R3"
        dispatch.explanation, dispatch.deadline_basis = V1_WHY, V1_BASIS


@pytest.mark.usefixtures("app")
async def test_a_request_routed_under_v1_reads_as_it_was_routed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await client.post("/v1/requests", json=request_body("dna"))
    assert created.status_code == 202, created.text
    body: dict[str, Any] = await until_terminal(client, created.json()["id"])
    assert body["policy_version"].startswith("routing-policy-v2+")
    assert body["dispatches"][0]["rule"] == "P1"
    await as_routed_under_v1(app, body["id"])

    read = (await client.get(f"/v1/requests/{body['id']}")).json()
    assert read["policy_version"] == V1
    [dispatch] = read["dispatches"]
    assert (dispatch["channel"], dispatch["rule"]) == ("europol", "R3")
    assert (dispatch["explanation"], dispatch["deadline_basis"]) == (V1_WHY, V1_BASIS)
    assert dispatch["follow_up_allowed"] is False  # a SIENA answer is no Prüm hit
    policy = (await client.get("/v1/routing/policy")).json()
    assert policy["version"].startswith("routing-policy-v2+")
    assert "R3" in [rule["id"] for rule in policy["rules"]]  # v1's ids keep their meaning
