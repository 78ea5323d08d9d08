"""``audit verify`` and ``GET /v1/audit/verification`` name the first bad entry of a tampered
log: the first one whose content no longer matches what the chain commits to (decision 0002)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table, delete, insert, update
from tests.support.audit import log_of, run_cli, without_triggers
from tests.support.auth import auth_headers
from tests.support.payloads import request_body

from oss_router.app import create_app
from oss_router.audit.chain import entry_hash
from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.models import AuditChainHead, AuditEntry

# The chain's mechanics, on reads logged once each (no register checks): conftest.no_registers.
pytestmark = pytest.mark.usefixtures("no_registers")

LOG = cast(Table, AuditEntry.__table__)
HEAD = cast(Table, AuditChainHead.__table__)
Tamper = Callable[[Any, list[AuditEntry]], Awaitable[None]]


@pytest.fixture
async def app(settings: Settings) -> Any:
    application = create_app(settings, migrate=True, embedded=False)
    async with application.router.lifespan_context(application):
        yield application


def _forged(entry: AuditEntry, **changes: Any) -> AuditEntry:
    """A copy of ``entry`` with ``changes``, its hash computed as the attacker would."""
    columns = {column.name: getattr(entry, column.name) for column in LOG.columns}
    forged = AuditEntry(**{**columns, **changes})
    forged.hash = entry_hash(forged)
    return forged


def _values(entry: AuditEntry) -> dict[str, Any]:
    return {column.name: getattr(entry, column.name) for column in LOG.columns}


async def edit_only(connection: Any, entries: list[AuditEntry]) -> None:
    await connection.execute(update(LOG).where(LOG.c.seq == 3).values(actor="officer:mallory"))


async def edit_and_rehash(connection: Any, entries: list[AuditEntry]) -> None:
    forged = _forged(entries[2], actor="officer:mallory")
    await connection.execute(update(LOG).where(LOG.c.seq == 3).values(_values(forged)))


async def edit_and_rehash_the_last(connection: Any, entries: list[AuditEntry]) -> None:
    forged = _forged(entries[-1], actor="officer:mallory")
    await connection.execute(update(LOG).where(LOG.c.seq == 6).values(_values(forged)))


async def edit_rehash_and_move_the_head(connection: Any, entries: list[AuditEntry]) -> None:
    forged = _forged(entries[-1], actor="officer:mallory")
    await connection.execute(update(LOG).where(LOG.c.seq == 6).values(_values(forged)))
    await connection.execute(update(HEAD).values(hash=forged.hash))


async def deletion(connection: Any, entries: list[AuditEntry]) -> None:
    await connection.execute(delete(LOG).where(LOG.c.seq == 3))


async def insertion(connection: Any, entries: list[AuditEntry]) -> None:
    """A forged entry put in at seq 3, linked to entry 2; the later ones move up by one."""
    for seq in range(6, 2, -1):  # one by one from the top: seq is the primary key
        await connection.execute(update(LOG).where(LOG.c.seq == seq).values(seq=seq + 1))
    forged = _forged(entries[2], actor="officer:mallory", prev_hash=entries[1].hash)
    await connection.execute(insert(LOG).values(_values(forged)))
    await connection.execute(update(HEAD).values(seq=7))


async def truncation(connection: Any, entries: list[AuditEntry]) -> None:
    await connection.execute(delete(LOG).where(LOG.c.seq >= 4))


async def truncation_and_the_head_moved_back(connection: Any, entries: list[AuditEntry]) -> None:
    await connection.execute(delete(LOG).where(LOG.c.seq >= 4))
    await connection.execute(update(HEAD).values(seq=3, hash=entries[2].hash))


@dataclass(frozen=True)
class Case:
    tamper: Tamper
    first_bad: int
    reason: str
    # Without a head kept elsewhere, a rewrite that also moved the head cannot be seen.
    seen_without_anchor: bool = True


CASES = {
    "edit only": Case(edit_only, 3, "does not match its hash (edited)"),
    "edit and rehash": Case(edit_and_rehash, 3, "no longer matches what entry 4 committed to"),
    "edit and rehash the last": Case(
        edit_and_rehash_the_last, 6, "no longer matches what the chain head committed to"
    ),
    "edit, rehash, move the head": Case(
        edit_rehash_and_move_the_head, 6, "head kept elsewhere", seen_without_anchor=False
    ),
    "deletion": Case(deletion, 3, "entry 3 is missing (the next one is 4)"),
    "insertion": Case(insertion, 3, "inserted: entry 4 links to entry 2"),
    "truncation": Case(truncation, 4, "the chain head names entry 6 but the log ends at 3"),
    "truncation, head moved back": Case(
        truncation_and_the_head_moved_back,
        4,
        "the head kept elsewhere names entry 6 but the log ends at 3",
        seen_without_anchor=False,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_the_first_bad_entry_is_named(
    name: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = CASES[name]
    kept_head = await _six_entries_and_their_head(app, client, database_url, monkeypatch, capsys)
    entries = await log_of(app)
    async with without_triggers(app) as connection:
        await case.tamper(connection, entries)

    # The command line, with the head kept elsewhere ...
    code = await run_cli(monkeypatch, database_url, "audit", "verify", "--expect-head", kept_head)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"BROKEN at entry {case.first_bad}: "), err
    assert case.reason in err
    # ... and without it.
    code = await run_cli(monkeypatch, database_url, "audit", "verify")
    if case.seen_without_anchor:
        assert (code, capsys.readouterr().err.split(":")[0]) == (
            1,
            f"BROKEN at entry {case.first_bad}",
        )
    else:
        assert code == 0

    # The auditor's endpoint: the same verifier, the same entry.
    auditor = auth_headers(app, Role.AUDITOR, "dpo")
    state = await _verification(client, auditor, expect_head=kept_head)
    assert state["status"] == "broken"
    assert state["first_bad"]["seq"] == case.first_bad
    assert case.reason in state["first_bad"]["reason"]
    assert state["entries"] == case.first_bad - 1  # those before it are intact
    state = await _verification(client, auditor, full="true")
    assert state["status"] == ("broken" if case.seen_without_anchor else "intact")
    if case.seen_without_anchor:
        assert state["first_bad"]["seq"] == case.first_bad


async def test_an_untouched_log_agrees_with_its_kept_head(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept_head = await _six_entries_and_their_head(app, client, database_url, monkeypatch, capsys)
    request_id = (await log_of(app))[0].request_id
    await client.get(f"/v1/requests/{request_id}")  # the log grows past the kept head: fine
    code = await run_cli(monkeypatch, database_url, "audit", "verify", "--expect-head", kept_head)
    assert (code, capsys.readouterr().out[:13]) == (0, "ok: 7 entries")
    auditor = auth_headers(app, Role.AUDITOR, "dpo")
    state = await _verification(client, auditor, expect_head=kept_head)
    assert (state["status"], state["entries"], state["head"]["seq"]) == ("intact", 7, 7)


async def test_a_malformed_kept_head_is_refused(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        await run_cli(monkeypatch, database_url, "audit", "verify", "--expect-head", "6:abc")
    assert stopped.value.code == 2
    assert "takes SEQ:HASH as printed by audit verify" in capsys.readouterr().err
    auditor = auth_headers(app, Role.AUDITOR, "dpo")
    response = await client.get(
        "/v1/audit/verification", params={"expect_head": "6:abc"}, headers=auditor
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expect_head"


# --- helpers --------------------------------------------------------------------------------


async def _six_entries_and_their_head(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """A collection and five reads (entries 1-6); the head as an operator would keep it."""
    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    for _ in range(5):
        await client.get(f"/v1/requests/{request_id}")
    assert await run_cli(monkeypatch, database_url, "audit", "verify") == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 6 entries; head 6:"), out
    return out.split("head ")[1].strip()


async def _verification(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> dict[str, Any]:
    response = await client.get("/v1/audit/verification", params=params, headers=headers)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state
