"""POST /v1/cases, GET /v1/cases and GET /v1/cases/{id}: opening a case (empty or from a
request), field-named refusals, filters and keyset pagination, PCCC scoping."""

import httpx
import pytest

from oss_router.auth.principal import Role
from tests.cases.conftest import Caller, case_body, registration, request_body
from tests.support.clock import FrozenClock


def fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


async def test_a_case_is_opened_with_its_owner_and_first_event(http: httpx.AsyncClient) -> None:
    response = await http.post("/v1/cases", json=case_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/v1/cases/{body['id']}"
    assert (body["status"], body["owner"], body["unit"]) == ("open", "sofia", None)
    assert (body["reference"], body["crime_area"], body["handling_code"]) == (
        "NAT-2026-0001",
        "motor_vehicle_crime",
        "H1",
    )
    assert body["links"] == []
    assert body["timeline"] is None
    read = (await http.get(f"/v1/cases/{body['id']}")).json()
    assert [(item["source"], item["type"]) for item in read["timeline"]] == [("case", "created")]


async def test_a_reference_taken_is_a_409_naming_reference(http: httpx.AsyncClient) -> None:
    assert (await http.post("/v1/cases", json=case_body())).status_code == 201
    again = await http.post("/v1/cases", json=case_body(title="another matter"))
    assert again.status_code == 409
    assert fields(again) == ["reference"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"reference": " "}, "reference"),
        ({"reference": "x" * 101}, "reference"),
        ({"crime_area": "Not An Area"}, "crime_area"),
        ({"crime_area": "tax_dodging"}, "crime_area"),
        ({"handling_code": "H9"}, "handling_code"),
        ({"request_id": "not-a-uuid"}, "request_id"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    http: httpx.AsyncClient, change: dict[str, str], field: str
) -> None:
    response = await http.post("/v1/cases", json=case_body(**change))
    assert response.status_code == 422, response.text
    assert field in fields(response)[0]


async def test_missing_fields_are_named(http: httpx.AsyncClient) -> None:
    response = await http.post("/v1/cases", json={"crime_area": "other"})
    assert response.status_code == 422
    assert set(fields(response)) == {"title", "reference"}


async def test_a_case_opened_from_a_request_and_a_received_one_holds_both(
    http: httpx.AsyncClient,
) -> None:
    request_id = (await http.post("/v1/requests", json=request_body())).json()["id"]
    inbound_id = (await http.post("/v1/inbound", json=registration())).json()["id"]
    body = case_body(request_id=request_id, inbound_id=inbound_id)
    response = await http.post("/v1/cases", json=body)
    assert response.status_code == 201, response.text
    links = response.json()["links"]
    assert [(link["request_id"], link["inbound_id"]) for link in links] == [
        (request_id, None),
        (None, inbound_id),
    ]


async def test_opening_from_an_unknown_request_creates_nothing(http: httpx.AsyncClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    response = await http.post("/v1/cases", json=case_body(request_id=unknown))
    assert response.status_code == 404
    assert fields(response) == ["request_id"]
    assert (await http.get("/v1/cases")).json()["items"] == []


async def test_filters_status_owner_and_crime_area(
    http: httpx.AsyncClient, headers: Caller, clock: FrozenClock
) -> None:
    mine = (await http.post("/v1/cases", json=case_body("A-1"))).json()["id"]
    clock.advance(minutes=1)
    theirs = await http.post(
        "/v1/cases",
        json=case_body("A-2", crime_area="other"),
        headers=headers(Role.SUPERVISOR, "marta"),
    )
    clock.advance(minutes=1)
    closed = (await http.post("/v1/cases", json=case_body("A-3"))).json()["id"]
    await http.post(f"/v1/cases/{closed}/close", json={"reason": "solved"})

    async def ids(**params: str) -> list[str]:
        response = await http.get("/v1/cases", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [closed, theirs.json()["id"], mine]
    assert await ids(owner="me") == [closed, mine]
    assert await ids(status="open") == [theirs.json()["id"], mine]
    assert await ids(status="closed") == [closed]
    assert await ids(crime_area="other") == [theirs.json()["id"]]
    for bad in ({"status": "pending"}, {"owner": "marta"}, {"cursor": "bm9wZQ"}):
        response = await http.get("/v1/cases", params=bad)
        assert response.status_code == 422
        assert fields(response) == [next(iter(bad))]


async def test_keyset_pages_neither_repeat_nor_skip(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    created = []
    for number in range(7):
        if number % 3 == 0:
            clock.advance(seconds=1)  # several cases share a created_at
        created.append((await http.post("/v1/cases", json=case_body(f"K-{number}"))).json()["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/v1/cases", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if len(seen) == 2:  # a case opened meanwhile comes on top, not into the next pages
            clock.advance(seconds=5)
            await http.post("/v1/cases", json=case_body("K-new"))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen)) == 7


async def test_a_pccc_sees_only_its_units_cases(http: httpx.AsyncClient, headers: Caller) -> None:
    north = headers(Role.PCCC, "pccc-north", "north")
    south = headers(Role.PCCC, "pccc-south", "south")
    created = await http.post("/v1/cases", json=case_body("P-1"), headers=north)
    assert created.status_code == 201
    case = created.json()
    assert case["unit"] == "north"
    await http.post("/v1/cases", json=case_body("P-2"))  # a desk case
    assert (await http.get(f"/v1/cases/{case['id']}", headers=south)).status_code == 404
    assert (await http.get(f"/v1/cases/{case['id']}", headers=north)).status_code == 200
    assert (await http.get(f"/v1/cases/{case['id']}")).status_code == 200  # the desk sees all
    listed = (await http.get("/v1/cases", headers=north)).json()["items"]
    assert [item["id"] for item in listed] == [case["id"]]
    assert (await http.get("/v1/cases", headers=south)).json()["items"] == []
    no_unit = headers(Role.PCCC, "pccc-nowhere")
    assert (await http.get("/v1/cases", headers=no_unit)).json()["items"] == []


async def test_auditors_are_refused(http: httpx.AsyncClient, headers: Caller) -> None:
    case = (await http.post("/v1/cases", json=case_body())).json()
    auditor = headers(Role.AUDITOR, "ada")
    assert (await http.get("/v1/cases", headers=auditor)).status_code == 403
    assert (await http.get(f"/v1/cases/{case['id']}", headers=auditor)).status_code == 403
    posted = await http.post("/v1/cases", json=case_body("X-9"), headers=auditor)
    assert posted.status_code == 403


async def test_an_unknown_case_is_a_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/cases/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
