"""``GET /v1/search`` end to end, on SQLite and PostgreSQL: what is found (names with and
without diacritics, identifiers with and without separators, references, case titles,
message text), who finds it (roles, PCCC units), pages and cursors, the audit entry, and the
problems of a search that cannot be run."""

import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.auth.principal import Role
from tests.search.conftest import (
    Caller,
    case_body,
    registration,
    request_body,
    store_message,
)
from tests.support.audit import log_of
from tests.support.clock import FrozenClock

PERSON = {"family_name": "Müller-Łódź", "given_names": "Jürgen Øystein", "nationalities": ["DE"]}


async def _create(http: httpx.AsyncClient, body: dict[str, Any], **kwargs: Any) -> str:
    response = await http.post("/v1/requests", json=body, **kwargs)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def _search(http: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await http.get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


async def test_names_match_with_and_without_diacritics(http: httpx.AsyncClient) -> None:
    request_id = await _create(http, request_body(subject=PERSON))
    for q in ("Müller", "muller", "MUELLER", "łódź", "lodz", "jurgen oystein", "Øystein"):
        assert _ids(await _search(http, q)) == [request_id], q
    item = (await _search(http, "muller"))["items"][0]
    assert item["type"] == "request"
    assert item["href"] == f"/v1/requests/{request_id}"
    assert item["title"].startswith("person request")
    assert "Jürgen Øystein Müller-Łódź" in item["summary"]
    assert (await _search(http, "muller schmidt"))["items"] == []  # every word must match


async def test_a_name_stored_without_diacritics_is_found_with_them(
    http: httpx.AsyncClient,
) -> None:
    request_id = await _create(http, request_body(subject={"family_name": "Strasse"}))
    assert _ids(await _search(http, "Straße")) == [request_id]


async def test_identifiers_match_partly_and_with_or_without_separators(
    http: httpx.AsyncClient,
) -> None:
    vin = await _create(http, request_body("vehicle", subject={"vin": "WF0XXXGCDX1234567"}))
    plate = await _create(
        http,
        request_body(
            "vehicle", subject={"registration_number": "B-AB 1234", "registration_country": "DE"}
        ),
    )
    document = await _create(http, request_body("document"))  # EA1234567
    dna = await _create(http, request_body("dna"))  # PL-DNA-2026-0042
    afis = await _create(http, request_body("fingerprint"))  # PL-AFIS-2026-000777
    assert _ids(await _search(http, "WF0X-XXGCDX 1234")) == [vin]
    assert _ids(await _search(http, "wf0xxxgcdx")) == [vin]
    assert _ids(await _search(http, "gcdx12")) == [vin]
    assert _ids(await _search(http, "bab1234")) == [plate]
    assert _ids(await _search(http, "B-AB-1234")) == [plate]
    assert _ids(await _search(http, "ea 1234567")) == [document]
    assert _ids(await _search(http, "pldna2026")) == [dna]
    assert _ids(await _search(http, "PL-AFIS-2026-000777")) == [afis]


async def test_references_of_requests_received_requests_and_cases(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    request_id = await _create(http, request_body(reference="OSS/2026/0815"))
    clock.advance(minutes=1)
    inbound = await http.post("/v1/inbound", json=registration(partner_reference="DE-BKA-77/26"))
    assert inbound.status_code == 201, inbound.text
    clock.advance(minutes=1)
    case = await http.post(
        "/v1/cases", json=case_body("NAT-2026-4711", title="Schleusung über die Oder")
    )
    assert case.status_code == 201, case.text
    assert _ids(await _search(http, "oss/2026/0815")) == [request_id]
    assert _ids(await _search(http, request_id)) == [request_id]  # a whole id: its row
    assert _ids(await _search(http, f" {case.json()['id']} ")) == [case.json()["id"]]
    found = await _search(http, "bka-77")
    assert _ids(found) == [inbound.json()["id"]]
    assert found["items"][0]["type"] == "inbound"
    assert found["items"][0]["href"] == f"/v1/inbound/{inbound.json()['id']}"
    assert _ids(await _search(http, "nat 2026 4711")) == [case.json()["id"]]
    titled = await _search(http, "schleusung uber")
    assert titled["items"][0]["title"] == "Schleusung über die Oder"
    assert titled["items"][0]["type"] == "case"
    # The Bundeskriminalamt's request and the subject both hold "Kowalski": newest first.
    both = await _search(http, "kowalski")
    assert _ids(both) == [inbound.json()["id"], request_id]


async def test_message_text_and_types_filter(
    app: FastAPI, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    request_id = await _create(http, request_body(subject={"family_name": "Nowak"}))
    message_id = await store_message(
        app, "Herr Nowak fuhr einen grauen Škoda.", clock.advance(seconds=5)
    )
    found = await _search(http, "nowak")
    assert _ids(found) == [str(message_id), request_id]
    message = found["items"][0]
    assert message["type"] == "message"
    assert message["title"] == "spontaneous (incoming)"
    assert "grauen Škoda" in message["summary"]
    assert message["href"] == f"/v1/messages/{message_id}"
    assert _ids(await _search(http, "skoda nowak")) == [str(message_id)]
    assert _ids(await _search(http, "nowak", types="request")) == [request_id]
    two = await http.get(
        "/v1/search", params=[("q", "nowak"), ("types", "message"), ("types", "case")]
    )
    assert _ids(two.json()) == [str(message_id)]


async def test_a_pccc_finds_only_its_units_and_auditors_may_not_search(
    app: FastAPI, http: httpx.AsyncClient, headers: Caller, clock: FrozenClock
) -> None:
    desk = await _create(http, request_body(subject={"family_name": "Dvořák"}))
    pccc = headers(Role.PCCC, "pccc-desk", "PCCC-CIESZYN")
    body = request_body(subject={"family_name": "Dvořák"}, target_countries=["CZ"])
    mine = await _create(http, body, headers=pccc)
    theirs = await http.post(
        "/v1/inbound", json=registration(subject={"family_name": "Dvořák"}, unit="PCCC-SWIECKO")
    )
    assert theirs.status_code == 201, theirs.text
    ours = await store_message(app, "Dvořák", clock.now, unit="PCCC-CIESZYN")
    await store_message(app, "Dvořák again", clock.now, unit="PCCC-SWIECKO")
    seen = await http.get("/v1/search", params={"q": "dvorak"}, headers=pccc)
    assert seen.status_code == 200, seen.text
    assert set(_ids(seen.json())) == {mine, str(ours)}
    assert len((await _search(http, "dvorak"))["items"]) == 5  # the desk sees everything
    assert desk in _ids(await _search(http, "dvorak"))
    for role in (Role.AUDITOR,):
        refused = await http.get("/v1/search", params={"q": "dvorak"}, headers=headers(role))
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"


async def test_pages_follow_each_other_and_a_tampered_cursor_is_refused(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    made = []
    for number in range(5):
        made.append(await _create(http, request_body(reference=f"PAGE-{number}")))
        if number % 2:  # two requests at the same moment: the id decides their order
            clock.advance(seconds=1)
    clock.advance(seconds=1)
    case = await http.post("/v1/cases", json=case_body("PAGE-CASE", title="page case"))
    first = await _search(http, "page", limit=2)
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    seen = _ids(first)
    cursor = first["next_cursor"]
    while cursor:
        page = await _search(http, "page", limit=2, cursor=cursor)
        seen += _ids(page)
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted([*made, case.json()["id"]])
    assert len(seen) == len(set(seen)) == 6
    assert seen[0] == case.json()["id"]  # the newest
    tampered = base64.urlsafe_b64encode(b"search|x|2026-01-01T00:00:00+00:00|case|1").decode()
    for bad in (tampered, "not-a-cursor", first["next_cursor"][:-3]):
        response = await http.get("/v1/search", params={"q": "page", "cursor": bad})
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in response.json()["errors"]] == ["cursor"]
    # A cursor belongs to its search: another query's page is refused, not silently skipped.
    other = await http.get("/v1/search", params={"q": "case", "cursor": first["next_cursor"]})
    assert other.status_code == 422
    assert [error["field"] for error in other.json()["errors"]] == ["cursor"]


async def test_a_search_is_one_consultation_on_the_audit_log(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    request_id = await _create(http, request_body(subject={"family_name": "Wiśniewska"}))
    before = len(await log_of(app))
    await _search(http, "Wiśniewska")
    entries = (await log_of(app))[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.action, entry.actor, entry.role) == ("consultation", "officer:sofia", "officer")
    assert entry.detail["via"] == "search"
    assert entry.detail["query"] == "Wiśniewska"
    assert entry.detail["words"] == ["wisniewska"]
    assert entry.detail["results"] == [{"type": "request", "id": request_id}]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "-- ./"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "ab cd"}, "q"),  # no word the index can use
        ({"q": "one two three four five six seven eight nine"}, "q"),
        ({}, "q"),
        ({"q": "kowalski", "limit": 0}, "limit"),
        ({"q": "kowalski", "limit": 101}, "limit"),
        ({"q": "kowalski", "types": "person"}, "types[0]"),
    ],
)
async def test_a_search_that_cannot_run_names_its_parameter(
    http: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await http.get("/v1/search", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_short_words_narrow_a_search(http: httpx.AsyncClient) -> None:
    jan = await _create(
        http, request_body(subject={"family_name": "Vries", "given_names": "Jan de"})
    )
    await _create(http, request_body(subject={"family_name": "Vries", "given_names": "Piet"}))
    assert _ids(await _search(http, "de vries jan")) == [jan]
    assert _ids(await _search(http, "vries ja")) == [jan]
