"""The active policy is readable over the API."""

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("app")


async def test_policy_lists_rules_in_order_with_reference_dates(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/routing/policy")

    assert response.status_code == 200
    policy = response.json()
    rule_ids = [rule["id"] for rule in policy["rules"]]
    assert rule_ids[:8] == ["R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7"]
    assert policy["version"].startswith("routing-policy-v1")
    assert "reference" in policy
