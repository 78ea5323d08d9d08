"""From POST to answered on embedded defaults: the happy paths, idempotency and cancellation."""

import itertools

import httpx
import pytest
from fastapi import FastAPI

from oss_router.models import ExchangeRequest, OutboxMessage
from tests.support.db import count_rows
from tests.support.payloads import request_body
from tests.support.polling import until_terminal

pytestmark = pytest.mark.usefixtures("app")


@pytest.mark.parametrize(
    ("kind", "route"),
    [
        ("person", ("europol", "FR", "R3")),
        ("vehicle", ("europol", "FR", "R3")),
        ("document", ("europol", "FR", "R3")),
        # DNA and fingerprints to a Prüm-connected state: the automated search (P1).
        ("dna", ("prum", "FR", "P1")),
        ("fingerprint", ("prum", "FR", "P1")),
    ],
)
async def test_each_kind_is_routed_published_and_answered(
    client: httpx.AsyncClient, kind: str, route: tuple[str, str, str]
) -> None:
    response = await client.post("/v1/requests", json=request_body(kind, target_countries=["FR"]))

    assert response.status_code == 202, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/requests/{created['id']}"
    assert created["status"] == "queued"
    assert [(d["channel"], d["country"], d["rule"]) for d in created["dispatches"]] == [route]
    final = await until_terminal(client, created["id"])
    assert final["status"] == "answered"
    (dispatch,) = final["dispatches"]
    assert dispatch["outcome"] in {"hit", "no_hit", "refused"}
    assert dispatch["answer"] is not None
    assert dispatch["attempts"] == 1
    transitions = [
        (e["from_status"], e["to_status"])
        for e in final["events"]
        if e["type"] == "dispatch_status"
    ]
    # Results are applied concurrently: "answered" may overtake "delivered", which is then stale.
    assert transitions[0] == ("queued", "sent")
    assert transitions[-1][1] == "answered"
    assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(transitions))
    assert final["events"][0]["type"] == "created"


async def test_each_target_gets_its_own_dispatch_and_deadline(client: httpx.AsyncClient) -> None:
    body = request_body(
        "person",
        target_countries=["DE", "UA", "BR"],
        urgency="urgent",
        urgency_ground="life_or_physical_integrity",
        access_type="direct",
    )
    response = await client.post("/v1/requests", json=body)

    assert response.status_code == 202, response.text
    created = response.json()
    decisions = {d["country"]: d for d in created["dispatches"]}
    assert decisions["DE"]["channel"] == "europol"
    assert decisions["UA"]["channel"] == "liaison_officer"
    assert decisions["BR"]["channel"] == "interpol"
    assert (
        "8 hours" in decisions["DE"]["deadline_basis"] or "8 h" in decisions["DE"]["deadline_basis"]
    )
    assert created["due_at"] == min(d["due_at"] for d in created["dispatches"])
    final = await until_terminal(client, created["id"])
    assert {d["status"] for d in final["dispatches"]} == {"answered"}


async def test_idempotent_repeat_returns_the_original_request(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = {"Idempotency-Key": "case-2026-114-a"}
    first = await client.post("/v1/requests", json=request_body(), headers=headers)
    second = await client.post("/v1/requests", json=request_body(), headers=headers)

    assert first.status_code == second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert await count_rows(app, ExchangeRequest) == 1
    assert await count_rows(app, OutboxMessage) == 1


async def test_same_idempotency_key_with_another_body_is_a_conflict(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = {"Idempotency-Key": "case-2026-114-b"}
    await client.post("/v1/requests", json=request_body(), headers=headers)
    other = await client.post(
        "/v1/requests", json=request_body(target_countries=["FR"]), headers=headers
    )

    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await count_rows(app, ExchangeRequest) == 1


async def test_cancel_stops_open_dispatches_and_is_on_the_timeline(
    client: httpx.AsyncClient,
) -> None:
    # The slow hook keeps the dispatch in the adapter long enough to cancel it.
    body = request_body(reference="stub:slow=1500")
    created = (await client.post("/v1/requests", json=body)).json()

    response = await client.post(
        f"/v1/requests/{created['id']}/cancel", json={"reason": "subject located domestically"}
    )

    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert {d["status"] for d in cancelled["dispatches"]} == {"cancelled"}
    detail = (await client.get(f"/v1/requests/{created['id']}")).json()
    reasons = [
        e["detail"].get("reason") for e in detail["events"] if e["type"] == "cancel_requested"
    ]
    assert reasons == ["subject located domestically"]


async def test_cancelling_a_terminal_request_is_a_conflict(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/requests", json=request_body())).json()
    await until_terminal(client, created["id"])

    response = await client.post(
        f"/v1/requests/{created['id']}/cancel", json={"reason": "too late for this"}
    )

    assert response.status_code == 409
    assert response.json()["status"] == 409


async def test_unknown_request_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/requests/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_list_is_newest_first_with_keyset_pagination(client: httpx.AsyncClient) -> None:
    ids = []
    for country in ["FR", "ES", "IT"]:
        response = await client.post("/v1/requests", json=request_body(target_countries=[country]))
        ids.append(response.json()["id"])

    first = (await client.get("/v1/requests", params={"limit": 2})).json()
    second = (
        await client.get("/v1/requests", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()

    assert [item["id"] for item in first["items"]] == ids[::-1][:2]
    assert [item["id"] for item in second["items"]] == ids[:1]
    assert second["next_cursor"] is None


async def test_list_filters_by_channel_country_and_kind(client: httpx.AsyncClient) -> None:
    await client.post("/v1/requests", json=request_body("person", target_countries=["UA"]))
    await client.post("/v1/requests", json=request_body("vehicle", target_countries=["FR"]))

    by_channel = (await client.get("/v1/requests", params={"channel": "liaison_officer"})).json()
    by_country = (await client.get("/v1/requests", params={"country": "fr"})).json()
    by_kind = (await client.get("/v1/requests", params={"kind": "vehicle"})).json()

    assert [item["target_countries"] for item in by_channel["items"]] == [["UA"]]
    assert [item["kind"] for item in by_country["items"]] == ["vehicle"]
    assert [item["target_countries"] for item in by_kind["items"]] == [["FR"]]


async def test_preview_matches_what_is_stored(client: httpx.AsyncClient) -> None:
    body = request_body(target_countries=["DE", "TR"], crime_area="drug_trafficking")

    preview = (await client.post("/v1/routing/preview", json=body)).json()
    created = (await client.post("/v1/requests", json=body)).json()

    def decisions(items: list[dict[str, str]]) -> list[tuple[str, ...]]:
        keys = ("channel", "country", "rule", "explanation", "deadline_basis")
        return [tuple(item[key] for key in keys) for item in items]

    assert decisions(preview["dispatches"]) == decisions(created["dispatches"])
    assert preview["policy_version"] == created["policy_version"]


async def test_possible_duplicate_warning_names_the_open_request(
    client: httpx.AsyncClient,
) -> None:
    first = (
        await client.post("/v1/requests", json=request_body(reference="stub:slow=1500"))
    ).json()
    second = (await client.post("/v1/requests", json=request_body())).json()

    codes = {w["code"]: w for w in second["warnings"]}
    assert "possible_duplicate" in codes
    duplicate = codes["possible_duplicate"]
    assert (duplicate["existing_request_id"], duplicate["channel"]) == (first["id"], "europol")
    assert first["id"] not in duplicate["message"]  # a link for the client, not text


async def test_the_duplicate_warning_of_an_interpol_target_does_not_cite_siena(
    client: httpx.AsyncClient,
) -> None:
    body = request_body(target_countries=["US"], reference="stub:slow=1500")
    first = (await client.post("/v1/requests", json=body)).json()
    second = (await client.post("/v1/requests", json={**body, "reference": None})).json()

    [duplicate] = [w for w in second["warnings"] if w["code"] == "possible_duplicate"]
    assert (duplicate["existing_request_id"], duplicate["channel"]) == (first["id"], "interpol")
    assert "SIENA" not in duplicate["message"]
    assert "I-24/7" in duplicate["message"]


async def test_channels_report_loaded_adapters(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/channels")

    assert response.status_code == 200
    rows = {row["channel"]: row for row in response.json()}
    assert set(rows) == {"sirene", "europol", "interpol", "liaison_officer", "pccc", "prum"}
    assert all(row["adapter_loaded"] and row["healthy"] for row in rows.values())


async def test_probes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "broker": True}
