"""The service's own work is credited to the system (``system:<component>``), never to a
person's role, on timelines and in the audit log alike (issue 11 item 17)."""

from typing import Any

import httpx
from fastapi import FastAPI
from tests.support.auth import auth_headers
from tests.support.payloads import request_body
from tests.support.polling import until_terminal

from oss_router.auth import principal
from oss_router.auth.principal import Principal, Role


async def test_the_relay_is_the_system_on_the_timeline_and_in_the_audit_log(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await client.post("/v1/requests", json=request_body("person"))
    assert created.status_code == 202, created.text
    final: dict[str, Any] = await until_terminal(client, created.json()["id"])

    sent = [
        e for e in final["events"] if e["type"] == "dispatch_status" and e["to_status"] == "sent"
    ]
    assert [e["actor"] for e in sent] == ["system:relay"]
    assert not [e for e in final["events"] if e["actor"].startswith("supervisor:")]
    audit = await client.get(
        "/v1/audit",
        params={"request_id": final["id"], "action": "disclosure"},
        headers=auth_headers(app, Role.AUDITOR),
    )
    assert audit.status_code == 200, audit.text
    [disclosure] = audit.json()["items"]
    assert (disclosure["actor"], disclosure["role"]) == ("system:relay", "system")


def test_the_system_holds_no_role_a_person_could_hold() -> None:
    # It used to be Principal("oss-router", Role.SUPERVISOR): a supervisor by its type.
    system_principals = [
        value for value in vars(principal).values() if isinstance(value, Principal)
    ]
    assert system_principals == []
    assert principal.system_actor("relay") == "system:relay"
    assert principal.SYSTEM_ROLE not in {role.value for role in Role}
    assert principal.OPERATOR_ROLE not in {role.value for role in Role}
