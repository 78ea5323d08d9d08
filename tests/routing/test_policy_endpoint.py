"""The active policy is readable over the API."""

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("app")


async def test_policy_lists_rules_in_order_with_reference_dates(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/routing/policy")

    assert response.status_code == 200
    policy = response.json()
    rule_ids = [rule["id"] for rule in policy["rules"]]
    assert rule_ids == ["R0", "R1", "P1", "R2", "R3", "R4", "R5", "R6", "R7"]
    assert policy["version"].startswith("routing-policy-v2")
    assert policy["follow_up"]["channel"] == "europol"
    prum = next(d for d in policy["reference"]["datasets"] if d["dataset"] == "prum_connections")
    assert prum["as_of"] == "2026-11-21"
    assert prum["sources"]
    assert "reference" in policy
