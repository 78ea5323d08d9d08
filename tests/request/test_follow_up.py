"""``POST /v1/requests/{id}/dispatches/{dispatch_id}/follow-up``: a Prüm hit offers, and with one
call stages, the follow-up request for the data behind it through SIENA (rule F1, Regulation
(EU) 2024/982 Art. 47), on SQLite and PostgreSQL with the embedded broker and stub workers."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.auth.principal import Role
from oss_router.messages.codes import Channel, DispatchStatus, Outcome, RequestStatus
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.request.follow_up import follow_up_refusal, partner_reference
from tests.support.auth import auth_headers
from tests.support.payloads import request_body
from tests.support.polling import eventually, until_terminal


@pytest.fixture(autouse=True)
def _prum_always_hits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSS_ROUTER_ADAPTER_PRUM_HIT_RATE", "1")
    monkeypatch.setenv("OSS_ROUTER_ADAPTER_PRUM_REFUSAL_RATE", "0")


def follow_up_path(request: dict[str, Any], dispatch: dict[str, Any]) -> str:
    return f"/v1/requests/{request['id']}/dispatches/{dispatch['id']}/follow-up"


async def prum_hit(client: httpx.AsyncClient, kind: str = "dna") -> dict[str, Any]:
    created = await client.post("/v1/requests", json=request_body(kind, target_countries=["DE"]))
    assert created.status_code == 202, created.text
    answered: dict[str, Any] = await until_terminal(client, created.json()["id"])
    return answered


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize("kind", ["dna", "fingerprint"])
async def test_a_hit_offers_the_follow_up_and_one_call_stages_it_through_siena(
    client: httpx.AsyncClient, kind: str
) -> None:
    answered = await prum_hit(client, kind)
    [search] = answered["dispatches"]
    assert (search["channel"], search["rule"], search["outcome"]) == ("prum", "P1", "hit")
    assert search["follow_up_allowed"] is True
    reference = search["answer"]["partner_reference"]
    assert reference.startswith("DE-")

    before = datetime.now(UTC)
    response = await client.post(follow_up_path(answered, search), json={})
    assert response.status_code == 202, response.text
    staged = response.json()
    search_now, follow = staged["dispatches"]
    assert search_now["follow_up_allowed"] is False  # once
    assert (follow["channel"], follow["country"], follow["rule"]) == ("europol", "DE", "F1")
    assert reference in follow["explanation"]
    assert follow["deadline_basis"].startswith("Regulation (EU) 2024/982 Art. 47(1)")
    due = datetime.fromisoformat(follow["due_at"])
    assert before + timedelta(hours=48) <= due <= datetime.now(UTC) + timedelta(hours=48)
    assert staged["status"] in {"queued", "dispatched", "in_progress"}

    final = await eventually(
        lambda: _read(client, answered["id"]),
        lambda body: body["dispatches"][1]["status"] == "answered",
    )
    assert final["status"] == "answered"
    [event] = [e for e in final["events"] if e["type"] == "follow_up_staged"]
    assert event["detail"]["partner_reference"] == reference
    assert event["dispatch_id"] == follow["id"]


@pytest.mark.usefixtures("app")
async def test_a_second_follow_up_is_a_conflict(client: httpx.AsyncClient) -> None:
    answered = await prum_hit(client)
    path = follow_up_path(answered, answered["dispatches"][0])
    assert (await client.post(path, json={"note": "match confirmed by lab"})).status_code == 202
    again = await client.post(path, json={})
    assert again.status_code == 409, again.text
    assert "staged already" in again.json()["detail"]


@pytest.mark.usefixtures("app")
async def test_only_a_prum_hit_can_be_followed_up(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/requests", json=request_body("person"))
    answered = await until_terminal(client, created.json()["id"])
    [siena] = answered["dispatches"]
    assert siena["follow_up_allowed"] is False
    response = await client.post(follow_up_path(answered, siena), json={})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "not an automated Prüm search" in response.json()["detail"]


async def test_who_may_stage_a_follow_up(app: FastAPI, client: httpx.AsyncClient) -> None:
    answered = await prum_hit(client)
    path = follow_up_path(answered, answered["dispatches"][0])
    for role in (Role.AUDITOR, Role.PCCC):
        refused = await client.post(path, json={}, headers=auth_headers(app, role))
        assert refused.status_code == 403, (role, refused.text)
    missing = f"/v1/requests/{answered['id']}/dispatches/{uuid.uuid4()}/follow-up"
    assert (await client.post(missing, json={})).status_code == 404
    bad_note = await client.post(path, json={"note": ""})
    assert bad_note.status_code == 422
    assert bad_note.json()["errors"][0]["field"] == "note"
    supervisor = await client.post(path, json={}, headers=auth_headers(app, Role.SUPERVISOR))
    assert supervisor.status_code == 202, supervisor.text


async def _read(client: httpx.AsyncClient, request_id: str) -> Any:
    response = await client.get(f"/v1/requests/{request_id}")
    assert response.status_code == 200, response.text
    return response.json()


def _dispatch(**fields: Any) -> Dispatch:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "channel": Channel.PRUM.value,
        "country": "DE",
        "status": DispatchStatus.ANSWERED.value,
        "outcome": Outcome.HIT.value,
        "rule": "P1",
        "answer": {"partner_reference": "DE-DNA-00000001"},
    }
    values.update(fields)
    return Dispatch(**values)


def _request(*dispatches: Dispatch, **fields: Any) -> ExchangeRequest:
    request = ExchangeRequest(status=RequestStatus.ANSWERED.value, purged_at=None, **fields)
    request.dispatches = list(dispatches)
    return request


@pytest.mark.parametrize(
    ("dispatch", "request_fields", "why"),
    [
        (_dispatch(outcome=Outcome.NO_HIT.value), {}, "has not answered with a hit"),
        (_dispatch(status=DispatchStatus.SENT.value, outcome=None), {}, "not answered"),
        (_dispatch(channel=Channel.EUROPOL.value), {}, "not an automated Prüm search"),
        (_dispatch(), {"status": RequestStatus.CANCELLED.value}, "cancelled"),
        (_dispatch(), {"purged_at": datetime(2026, 12, 1, tzinfo=UTC)}, "erased"),
    ],
)
def test_why_no_follow_up_can_be_staged(
    dispatch: Dispatch, request_fields: dict[str, Any], why: str
) -> None:
    request = _request(dispatch)
    for name, value in request_fields.items():
        setattr(request, name, value)
    refusal = follow_up_refusal(request, dispatch)
    assert refusal is not None
    assert why in refusal


def test_a_hit_without_a_partner_reference_is_named_by_its_dispatch() -> None:
    hit = _dispatch(answer={"result": "hit"})
    assert partner_reference(hit) == f"dispatch {hit.id}"
    assert follow_up_refusal(_request(hit), hit) is None
