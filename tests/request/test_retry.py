"""``POST /v1/requests/{id}/dispatches/{dispatch_id}/retry``: a supervisor sends a failed
dispatch again through its own channel (embedded broker; SQLite and PostgreSQL), and a failed
dispatch shows in the request's status, its filter and ``needs_action`` until someone acts."""

from typing import Any

import httpx
from fastapi import FastAPI

from oss_router.auth.principal import Role
from oss_router.deps import get_principal
from tests.support.auth import auth_headers
from tests.support.payloads import request_body
from tests.support.polling import eventually

# The tests' workers give up after 3 attempts (conftest): each dispatch fails 3 times, is
# dead-lettered, and answers on its fourth call, the first of a retry: "the cause is fixed".
FAILS_THREE_TIMES = "stub:retriable=3"
REASON = "SIENA connector fixed (INC-42)"


async def read(client: httpx.AsyncClient, request_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/requests/{request_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def until(client: httpx.AsyncClient, request_id: str, statuses: list[str]) -> Any:
    """The request once its dispatches are in ``statuses``, in order."""

    def reached(body: dict[str, Any]) -> bool:
        return [d["status"] for d in body["dispatches"]] == statuses

    return await eventually(lambda: read(client, request_id), reached)


async def failed_request(client: httpx.AsyncClient, targets: list[str]) -> dict[str, Any]:
    body = request_body("person", target_countries=targets, reference=FAILS_THREE_TIMES)
    created = await client.post("/v1/requests", json=body)
    assert created.status_code == 202, created.text
    failed: dict[str, Any] = await until(client, created.json()["id"], ["failed"] * len(targets))
    return failed


def retry_path(request: dict[str, Any], index: int = 0) -> str:
    return f"/v1/requests/{request['id']}/dispatches/{request['dispatches'][index]['id']}/retry"


async def retry(client: httpx.AsyncClient, request: dict[str, Any], index: int = 0) -> Any:
    return await client.post(retry_path(request, index), json={"reason": REASON})


async def ids_with_status(client: httpx.AsyncClient, status: str) -> list[str]:
    response = await client.get("/v1/requests", params={"status": status})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_a_failed_dispatch_retried_by_a_supervisor_ends_answered(
    app: FastAPI, client: httpx.AsyncClient, as_role: Any
) -> None:
    failed = await failed_request(client, ["DE", "US"])
    assert failed["status"] == "failed"
    assert failed["needs_action"] is True
    assert [d["retry_allowed"] for d in failed["dispatches"]] == [True, True]

    response = await retry(client, failed, 0)

    assert response.status_code == 202, response.text
    assert [d["status"] for d in response.json()["dispatches"]] == ["queued", "failed"]
    half = await until(client, failed["id"], ["answered", "failed"])
    # One answer does not hide the other target's failure (issue 11 item 10).
    assert (half["status"], half["needs_action"]) == ("failed", True)
    assert failed["id"] in await ids_with_status(client, "failed")
    assert failed["id"] not in await ids_with_status(client, "answered")
    assert [d["retry_allowed"] for d in half["dispatches"]] == [False, True]

    assert (await retry(client, half, 1)).status_code == 202
    final = await until(client, failed["id"], ["answered", "answered"])
    assert (final["status"], final["needs_action"]) == ("answered", False)
    assert failed["id"] in await ids_with_status(client, "answered")
    statuses = [e["to_status"] for e in final["events"] if e["type"] == "request_status"]
    assert statuses[-1] == "answered"
    assert "failed" in statuses
    dispatch_id = final["dispatches"][0]["id"]
    moves = [
        (e["from_status"], e["to_status"], e["actor"])
        for e in final["events"]
        if e["type"] == "dispatch_status" and e["dispatch_id"] == dispatch_id
    ]
    assert ("failed", "queued", "supervisor:someone") in moves
    retried = [e for e in final["events"] if e["type"] == "retried"]
    assert [e["dispatch_id"] for e in retried] == [dispatch_id, final["dispatches"][1]["id"]]
    assert (retried[0]["actor"], retried[0]["detail"]["reason"]) == ("supervisor:someone", REASON)
    assert retried[0]["detail"]["previous_attempts"] == 3
    await _audited(app, client, final)


async def _audited(app: FastAPI, client: httpx.AsyncClient, request: dict[str, Any]) -> None:
    """LED 2016/680 Art. 25: the alteration with its justification, and each disclosure."""
    app.dependency_overrides.pop(get_principal, None)  # the auditor's own token from here
    response = await client.get(
        "/v1/audit", params={"request_id": request["id"]}, headers=auth_headers(app, Role.AUDITOR)
    )
    assert response.status_code == 200, response.text
    entries = response.json()["items"]
    retries = [e for e in entries if e["detail"].get("operation") == "retry"]
    assert [(e["actor"], e["action"], e["justification"]) for e in retries] == [
        ("supervisor:someone", "alteration", REASON)
    ] * 2
    assert {tuple(e["recipients"][0].values()) for e in retries} == {
        ("europol", "DE"),
        ("interpol", "US"),
    }
    disclosures = [e for e in entries if e["action"] == "disclosure"]
    assert len(disclosures) == 4  # each target published twice: the first journey, the retry


async def test_only_a_failed_dispatch_can_be_retried(
    client: httpx.AsyncClient, as_role: Any
) -> None:
    created = await client.post("/v1/requests", json=request_body("person"))
    answered = await until(client, created.json()["id"], ["answered"])
    assert answered["dispatches"][0]["retry_allowed"] is False

    response = await retry(client, answered)

    assert response.status_code == 409, response.text
    assert "answered, not failed" in response.json()["detail"]


async def test_a_rerouted_failure_cannot_be_retried(
    client: httpx.AsyncClient, as_role: Any
) -> None:
    failed = await failed_request(client, ["DE"])
    path = retry_path(failed).replace("/retry", "/reroute")
    rerouted = await client.post(path, json={"channel": "interpol", "reason": "ask I-24/7"})
    assert rerouted.status_code == 200, rerouted.text
    old = rerouted.json()["dispatches"][0]
    assert (old["status"], old["retry_allowed"], old["reroute_channels"]) == ("failed", False, [])
    assert rerouted.json()["needs_action"] is False

    assert (await retry(client, failed)).status_code == 409
    again = await client.post(path, json={"channel": "pccc", "reason": "try the centre"})
    assert again.status_code == 409, again.text  # it was re-routed once: not a second time


async def test_a_cancelled_failure_needs_no_action_and_cannot_be_retried(
    client: httpx.AsyncClient, as_role: Any
) -> None:
    failed = await failed_request(client, ["DE"])
    cancelled = await client.post(
        f"/v1/requests/{failed['id']}/cancel", json={"reason": "no longer needed"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["needs_action"]) == ("cancelled", False)

    response = await retry(client, failed)

    assert response.status_code == 409, response.text
    assert "cancelled" in response.json()["detail"]


async def test_retry_is_for_supervisors_with_a_reason(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient, as_role: Any
) -> None:
    failed = await failed_request(client, ["DE"])
    for body in [{}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": 3}]:
        response = await client.post(retry_path(failed), json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "reason" in response.text
    unknown = retry_path(failed).replace(failed["dispatches"][0]["id"], failed["id"])
    assert (await client.post(unknown, json={"reason": REASON})).status_code == 404
    app.dependency_overrides.pop(get_principal, None)  # real credentials from here
    assert (await anonymous.post(retry_path(failed), json={"reason": REASON})).status_code == 401
    for role in [Role.OFFICER, Role.PCCC, Role.AUDITOR]:
        response = await client.post(
            retry_path(failed), json={"reason": REASON}, headers=auth_headers(app, role)
        )
        assert response.status_code == 403, (role, response.text)
    assert (await read(client, failed["id"]))["dispatches"][0]["status"] == "failed"


async def test_the_reroute_channels_are_the_eligible_others(
    client: httpx.AsyncClient, as_role: Any
) -> None:
    created = await client.post(
        "/v1/requests", json=request_body("person", reference="stub:slow=1500")
    )
    dispatch = created.json()["dispatches"][0]
    assert dispatch["channel"] == "europol"
    assert "interpol" in dispatch["reroute_channels"]
    assert "europol" not in dispatch["reroute_channels"]
    assert "sirene" not in dispatch["reroute_channels"]  # no SIS alert to follow up
    answered = await until(client, created.json()["id"], ["answered"])
    assert answered["dispatches"][0]["reroute_channels"] == []
