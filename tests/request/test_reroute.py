"""``POST /v1/requests/{id}/dispatches/{dispatch_id}/reroute``: a supervisor's override."""

from typing import Any

import httpx
import pytest

from oss_router.auth.principal import Role
from tests.support.payloads import request_body
from tests.support.polling import until_terminal

# Keeps a dispatch busy at its channel for a while (below the tests' 2 s adapter timeout), long
# enough to re-route it; the new dispatch carries the same reference and answers after it too.
SLOW = "stub:slow=1500"


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/requests", json=request_body("person", **overrides))
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def reroute_path(request: dict[str, Any], index: int = 0) -> str:
    return f"/v1/requests/{request['id']}/dispatches/{request['dispatches'][index]['id']}/reroute"


async def test_a_supervisor_sends_a_target_through_another_channel(
    client: httpx.AsyncClient, as_role: Any
) -> None:
    request = await create(client, reference=SLOW)
    response = await client.post(
        reroute_path(request), json={"channel": "interpol", "reason": "SIENA outage at DE SPOC"}
    )
    assert response.status_code == 200, response.text
    old, new = response.json()["dispatches"]
    assert (old["channel"], old["status"]) == ("europol", "cancelled")
    assert (new["channel"], new["country"], new["rule"]) == ("interpol", "DE", "OVERRIDE")
    final = await until_terminal(client, request["id"])
    assert final["status"] == "answered"
    rerouted = [event for event in final["events"] if event["type"] == "rerouted"]
    assert len(rerouted) == 1
    assert rerouted[0]["detail"]["reason"] == "SIENA outage at DE SPOC"
    assert rerouted[0]["detail"]["from_channel"] == "europol"
    assert rerouted[0]["actor"] == "supervisor:someone"


async def test_a_failed_dispatch_can_be_rerouted(client: httpx.AsyncClient, as_role: Any) -> None:
    request = await create(client, reference="stub:permanent")
    failed = await until_terminal(client, request["id"])
    assert failed["status"] == "failed"
    response = await client.post(
        reroute_path(failed), json={"channel": "liaison_officer", "reason": "ask the officer"}
    )
    assert response.status_code == 200, response.text
    old, new = response.json()["dispatches"]
    assert old["status"] == "failed"  # a failure stays on record as it was
    assert new["channel"] == "liaison_officer"
    assert response.json()["status"] not in {"failed", "answered"}


async def test_only_supervisors_reroute(client: httpx.AsyncClient, as_role: Any) -> None:
    request = await create(client, reference=SLOW)
    as_role(Role.OFFICER)
    response = await client.post(
        reroute_path(request), json={"channel": "interpol", "reason": "because"}
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "sirene", "reason": "no alert"}, "channel"),  # not eligible without an alert
        ({"channel": "europol", "reason": "same again"}, "channel"),  # already on it
        ({"channel": "interpol", "reason": ""}, "reason"),
        ({"channel": "pigeon", "reason": "why not"}, "channel"),
    ],
)
async def test_an_impossible_reroute_names_its_field(
    client: httpx.AsyncClient, as_role: Any, body: dict[str, str], field: str
) -> None:
    request = await create(client, reference=SLOW)
    response = await client.post(reroute_path(request), json=body)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    unchanged = (await client.get(f"/v1/requests/{request['id']}")).json()
    assert len(unchanged["dispatches"]) == 1


async def test_answered_or_unknown_dispatches_are_not_rerouted(
    client: httpx.AsyncClient, as_role: Any
) -> None:
    request = await until_terminal(client, (await create(client))["id"])
    assert request["status"] == "answered"
    body = {"channel": "interpol", "reason": "second opinion"}
    assert (await client.post(reroute_path(request), json=body)).status_code == 409
    unknown = f"/v1/requests/{request['id']}/dispatches/{request['id']}/reroute"
    assert (await client.post(unknown, json=body)).status_code == 404
