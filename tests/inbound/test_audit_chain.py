"""Audit entries about received requests name them (``inbound_id``) in their hash; entries
without one hash exactly as before the column existed, so old chains still verify."""

import hashlib
import json
import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from oss_router.audit.chain import GENESIS_HASH, entry_hash
from oss_router.models import AuditEntry
from tests.inbound.conftest import Caller, registration

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _entry(inbound_id: uuid.UUID | None = None) -> AuditEntry:
    return AuditEntry(
        seq=1,
        at=AT,
        action="collection",
        actor="system:registrar",
        role="system",
        unit=None,
        request_id=None,
        inbound_id=inbound_id,
        justification=None,
        recipients=[],
        detail={},
        prev_hash=GENESIS_HASH,
    )


def _hash_before_inbound(entry: AuditEntry) -> str:
    """The hash as ``entry_hash`` computed it before ``inbound_id`` existed."""
    document = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "action": entry.action,
        "actor": entry.actor,
        "role": entry.role,
        "unit": entry.unit,
        "request_id": None,
        "justification": entry.justification,
        "recipients": entry.recipients,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_an_entry_without_inbound_id_keeps_its_old_hash() -> None:
    entry = _entry()
    assert entry_hash(entry) == _hash_before_inbound(entry)


def test_the_inbound_id_is_part_of_the_hash_when_set() -> None:
    first, second = _entry(uuid.uuid4()), _entry(uuid.uuid4())
    assert entry_hash(first) != _hash_before_inbound(first)
    assert entry_hash(first) != entry_hash(second)


async def test_the_auditor_finds_a_received_requests_entries(
    app: FastAPI, http: httpx.AsyncClient, headers: Caller
) -> None:
    created = (await http.post("/v1/inbound", json=registration())).json()
    await http.post("/v1/inbound", json=registration(partner_reference="other"))
    auditor = headers("auditor")
    response = await http.get("/v1/audit", params={"inbound_id": created["id"]}, headers=auditor)
    assert response.status_code == 200
    items = response.json()["items"]
    assert {item["inbound_id"] for item in items} == {created["id"]}
    assert sorted(item["action"] for item in items) == ["collection", "consultation"]
    verification = await http.get("/v1/audit/verification", headers=auditor)
    assert verification.json()["status"] == "intact"
