"""POST /v1/inbound, GET /v1/inbound and GET /v1/inbound/{id}: registration by hand, the
Incoming queue and the detail, as each role may use them."""

from datetime import timedelta

import httpx

from tests.inbound.conftest import T0, FakeChecker, registration


async def test_a_registration_is_created_with_its_deadline_and_timeline(
    http: httpx.AsyncClient, checker: FakeChecker
) -> None:
    response = await http.post(
        "/v1/inbound", json=registration(urgency="urgent", urgency_ground="loss_of_relevance")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/v1/inbound/{body['id']}"
    assert body["status"] == "received"
    assert body["access_type"] == "direct"
    assert body["access_type_source"] == "registers"
    assert body["due_at"] == (T0 + timedelta(hours=8)).isoformat().replace("+00:00", "Z")
    assert "Art. 5(1)(a)" in body["deadline_basis"]
    assert body["registered_by"] == "officer:sofia"
    assert checker.calls == 1
    detail = await http.get(f"/v1/inbound/{body['id']}")
    assert detail.status_code == 200
    events = detail.json()["events"]
    assert [event["type"] for event in events] == ["received"]
    assert detail.json()["national_check"]["registers"] == ["wanted_persons"]
