"""Authorization as a matrix: every role × every /v1 endpoint (README "Security", roles).

A new /v1 endpoint fails ``test_every_endpoint_is_in_the_matrix`` until its row is written here.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from tests.support.attachments import seed_message
from tests.support.auth import auth_headers, token
from tests.support.inbound import PERSON, seed_inbound
from tests.support.payloads import request_body

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings

OFFICER, SUPERVISOR, PCCC, AUDITOR = Role.OFFICER, Role.SUPERVISOR, Role.PCCC, Role.AUDITOR
OWN_UNIT = "PCCC-FR-DE-KEHL"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The gateway alone (no relay, no adapters): requests stay open, so each can be cancelled."""
    # Streams end at once, so that a test can read a whole response.
    short_streams = settings.model_copy(update={"live_stream_max_seconds": 0.05})
    application = create_app(short_streams, migrate=True, embedded=False)
    async with application.router.lifespan_context(application):
        yield application


async def _create(client: httpx.AsyncClient, app: FastAPI, role: Role = OFFICER) -> str:
    unit = OWN_UNIT if role is PCCC else None
    response = await client.post(
        "/v1/requests", json=request_body(), headers=auth_headers(app, role, unit=unit)
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


Call = Callable[[httpx.AsyncClient, FastAPI, dict[str, str]], Awaitable[httpx.Response]]


async def create(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.post("/v1/requests", json=request_body(), headers=h)


async def list_(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    await _create(client, app)
    return await client.get("/v1/requests", headers=h)


async def read_desk(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    """Read a request created at the desk (by ``test-officer``, no unit)."""
    return await client.get(f"/v1/requests/{await _create(client, app)}", headers=h)


async def cancel_own(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    """Cancel a request the caller's own subject created (officers cancel their own)."""
    request_id = await _create(client, app)
    return await client.post(
        f"/v1/requests/{request_id}/cancel", json={"reason": "created in error"}, headers=h
    )


async def preview(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.post("/v1/routing/preview", json=request_body(), headers=h)


async def channels(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/channels", headers=h)


async def me(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/auth/me", headers=h)


async def audit(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/audit", headers=h)


async def audit_verification(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    return await client.get("/v1/audit/verification", headers=h)


async def reroute(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    request = await client.post(
        "/v1/requests", json=request_body(), headers=auth_headers(app, OFFICER, "test-officer")
    )
    body = request.json()
    return await client.post(
        f"/v1/requests/{body['id']}/dispatches/{body['dispatches'][0]['id']}/reroute",
        json={"channel": "interpol", "reason": "SIENA is down"},
        headers=h,
    )


async def retry(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    request = await client.post(
        "/v1/requests", json=request_body(), headers=auth_headers(app, OFFICER, "test-officer")
    )
    body = request.json()
    return await client.post(
        f"/v1/requests/{body['id']}/dispatches/{body['dispatches'][0]['id']}/retry",
        json={"reason": "SIENA is back"},
        headers=h,
    )


async def follow_up(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    request = await client.post(
        "/v1/requests", json=request_body(), headers=auth_headers(app, OFFICER, "test-officer")
    )
    body = request.json()
    return await client.post(
        f"/v1/requests/{body['id']}/dispatches/{body['dispatches'][0]['id']}/follow-up",
        json={},
        headers=h,
    )


async def stats(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/stats", params={"year": 2026}, headers=h)


async def policy(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/routing/policy", headers=h)


async def stream(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/stream", headers=h)


def registration(reference: str) -> dict[str, Any]:
    return {
        "channel": "europol",
        "partner_reference": reference,
        "requesting_country": "DE",
        "requesting_authority": "BKA Wiesbaden",
        "kind": "person",
        "subject": dict(PERSON),
        "purpose": "Armed robbery investigation 4711/26",
    }


async def register(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.post("/v1/inbound", json=registration(f"DE-{uuid4().hex[:12]}"), headers=h)


async def incoming(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    await seed_inbound(app, datetime.now(UTC))
    return await client.get("/v1/inbound", headers=h)


async def _received_at_the_desk(app: FastAPI) -> UUID:
    """A request received at the desk (no PCCC unit), not taken by anyone yet."""
    return await seed_inbound(app, datetime.now(UTC))


async def read_incoming(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    return await client.get(f"/v1/inbound/{await _received_at_the_desk(app)}", headers=h)


def inbound_action(action: str, body: dict[str, Any]) -> Call:
    async def call(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
        inbound_id = await _received_at_the_desk(app)
        return await client.post(f"/v1/inbound/{inbound_id}/{action}", json=body, headers=h)

    return call


async def simulate(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.post(
        "/v1/simulate/inbound", json={"channel": "sirene", "count": 1}, headers=h
    )


def case_body(**extra: Any) -> dict[str, Any]:
    return {"title": "Robbery series", "reference": f"NAT-{uuid4().hex[:12]}", **extra}


async def _desk_case(client: httpx.AsyncClient, app: FastAPI, **extra: Any) -> str:
    """An open case opened at the desk (no PCCC unit)."""
    desk = auth_headers(app, OFFICER, "test-officer")
    response = await client.post("/v1/cases", json=case_body(**extra), headers=desk)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def open_case(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.post("/v1/cases", json=case_body(), headers=h)


async def cases(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    await _desk_case(client, app)
    return await client.get("/v1/cases", headers=h)


async def read_case(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get(f"/v1/cases/{await _desk_case(client, app)}", headers=h)


async def link_case(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    case_id, request_id = await _desk_case(client, app), await _create(client, app)
    return await client.post(
        f"/v1/cases/{case_id}/links", json={"request_id": request_id}, headers=h
    )


async def unlink_request(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    request_id = await _create(client, app)
    case_id = await _desk_case(client, app, request_id=request_id)
    return await client.delete(f"/v1/cases/{case_id}/links/requests/{request_id}", headers=h)


async def unlink_inbound(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    inbound_id = str(await _received_at_the_desk(app))
    case_id = await _desk_case(client, app, inbound_id=inbound_id)
    return await client.delete(f"/v1/cases/{case_id}/links/inbound/{inbound_id}", headers=h)


async def unlink_message(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    """Spontaneous information received, filed by the desk in a desk case, taken out."""
    message_id = await seed_message(
        app, direction="incoming", type="spontaneous", status="received",
        created_by="partner:europol", legal_basis="Directive (EU) 2023/977 Art. 7(1)",
    )  # fmt: skip
    case_id = await _desk_case(client, app)
    desk = auth_headers(app, OFFICER, "test-officer")
    filed = await client.post(
        f"/v1/cases/{case_id}/links", json={"message_id": str(message_id)}, headers=desk
    )
    assert filed.status_code == 200, filed.text
    return await client.delete(f"/v1/cases/{case_id}/links/messages/{message_id}", headers=h)


async def close_case(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    case_id = await _desk_case(client, app)
    return await client.post(f"/v1/cases/{case_id}/close", json={"reason": "solved"}, headers=h)


async def reopen_case(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    """Reopen an open case: admitted, then refused for its state (409)."""
    return await client.post(f"/v1/cases/{await _desk_case(client, app)}/reopen", headers=h)


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


async def upload(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.post(
        "/v1/attachments", files={"file": ("photo.jpg", JPEG, "image/jpeg")}, headers=h
    )


async def _desk_upload(client: httpx.AsyncClient, app: FastAPI) -> str:
    """A file staged by the desk officer ``officer:test-officer``: only that actor sees it."""
    response = await upload(client, app, auth_headers(app, OFFICER, "test-officer"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def read_upload(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get(f"/v1/attachments/{await _desk_upload(client, app)}", headers=h)


async def download(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get(f"/v1/attachments/{await _desk_upload(client, app)}/content", headers=h)


async def search(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/search", params={"q": "kowalski"}, headers=h)


async def delete_upload(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    return await client.delete(f"/v1/attachments/{await _desk_upload(client, app)}", headers=h)


FOLLOW_UP = {"type": "follow_up", "text": "Was the car seen since?"}
SPONTANEOUS = {
    "country": "DE",
    "kind": "vehicle",
    "text": "The ring crosses at night.",
    "legal_basis": "Directive (EU) 2023/977 Art. 7(1)",
}


async def _desk_dispatch_path(client: httpx.AsyncClient, app: FastAPI, what: str) -> str:
    """A Prüm search of the desk's: it never takes messages, whatever its state by now."""
    desk = auth_headers(app, OFFICER, "test-officer")
    body = request_body("dna", target_countries=["DE"])
    created = await client.post("/v1/requests", json=body, headers=desk)
    assert created.status_code == 202, created.text
    request_id = created.json()["id"]
    read = await client.get(
        f"/v1/requests/{request_id}", headers=auth_headers(app, OFFICER, "test-officer")
    )
    dispatch_id = read.json()["dispatches"][0]["id"]
    return f"/v1/requests/{request_id}/dispatches/{dispatch_id}/{what}"


async def dispatch_message(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    """Admitted, then refused: a Prüm search has no conversation (409)."""
    return await client.post(
        await _desk_dispatch_path(client, app, "messages"), json=FOLLOW_UP, headers=h
    )


async def remind(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    """Admitted, then refused: a Prüm search has no one to remind (409)."""
    return await client.post(await _desk_dispatch_path(client, app, "reminder"), json={}, headers=h)


async def inbound_message(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    """On a received request not replied to yet: admitted, then refused (409)."""
    inbound_id = await _received_at_the_desk(app)
    return await client.post(f"/v1/inbound/{inbound_id}/messages", json=FOLLOW_UP, headers=h)


async def spontaneous(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    case_id = await _desk_case(client, app)
    return await client.post(f"/v1/cases/{case_id}/spontaneous", json=SPONTANEOUS, headers=h)


async def messages(client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]) -> httpx.Response:
    return await client.get("/v1/messages", headers=h)


async def read_message(
    client: httpx.AsyncClient, app: FastAPI, h: dict[str, str]
) -> httpx.Response:
    desk = auth_headers(app, OFFICER, "test-officer")
    sent = await spontaneous(client, app, desk)
    assert sent.status_code == 202, sent.text
    return await client.get(f"/v1/messages/{sent.json()['id']}", headers=h)


EXPECTED_BY = "2026-12-31T12:00:00+00:00"
# A PCCC gets 404 for a request received at the desk, as for outgoing ones. The replies need a
# request someone holds: on one nobody took, officers and supervisors are admitted and then
# refused for its state (409), which tells the role check passed.
INBOUND_REPLIES = {
    "answer": {"outcome": "no_hit"},
    "refuse": {"ground": "a", "reason": "not proportionate"},
    "clarification-request": {"question": "Which Anna Nowak?"},
    "delay": {"reason": "a judicial authorisation is needed", "expected_by": EXPECTED_BY},
}

# (method, path) → how to call it, and the status each role gets.
MATRIX: dict[tuple[str, str], tuple[Call, dict[Role, int]]] = {
    ("POST", "/v1/requests"): (create, {OFFICER: 202, SUPERVISOR: 202, PCCC: 202, AUDITOR: 403}),
    ("GET", "/v1/requests"): (list_, {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403}),
    # A PCCC gets 404 for another unit's request: its existence must not leak.
    ("GET", "/v1/requests/{request_id}"): (
        read_desk,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/requests/{request_id}/cancel"): (
        cancel_own,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 403, AUDITOR: 403},
    ),
    ("POST", "/v1/routing/preview"): (
        preview,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403},
    ),
    ("GET", "/v1/channels"): (channels, {OFFICER: 200, SUPERVISOR: 200, PCCC: 403, AUDITOR: 403}),
    ("GET", "/v1/auth/me"): (me, {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 200}),
    ("GET", "/v1/audit"): (audit, {OFFICER: 403, SUPERVISOR: 403, PCCC: 403, AUDITOR: 200}),
    ("GET", "/v1/audit/verification"): (
        audit_verification,
        {OFFICER: 403, SUPERVISOR: 403, PCCC: 403, AUDITOR: 200},
    ),
    ("POST", "/v1/requests/{request_id}/dispatches/{dispatch_id}/reroute"): (
        reroute,
        {OFFICER: 403, SUPERVISOR: 200, PCCC: 403, AUDITOR: 403},
    ),
    # Admitted, then refused because the dispatch has not failed: 409, not 403.
    ("POST", "/v1/requests/{request_id}/dispatches/{dispatch_id}/retry"): (
        retry,
        {OFFICER: 403, SUPERVISOR: 409, PCCC: 403, AUDITOR: 403},
    ),
    # Admitted, then refused because the dispatch is no Prüm hit: 409, not 403.
    ("POST", "/v1/requests/{request_id}/dispatches/{dispatch_id}/follow-up"): (
        follow_up,
        {OFFICER: 409, SUPERVISOR: 409, PCCC: 403, AUDITOR: 403},
    ),
    ("GET", "/v1/stats"): (stats, {OFFICER: 403, SUPERVISOR: 200, PCCC: 403, AUDITOR: 403}),
    ("GET", "/v1/routing/policy"): (
        policy,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403},
    ),
    # A PCCC's stream carries only its own unit's notices (tests/live).
    ("GET", "/v1/stream"): (stream, {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403}),
    ("POST", "/v1/inbound"): (register, {OFFICER: 201, SUPERVISOR: 201, PCCC: 201, AUDITOR: 403}),
    ("GET", "/v1/inbound"): (incoming, {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403}),
    ("GET", "/v1/inbound/{inbound_id}"): (
        read_incoming,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/inbound/{inbound_id}/assign"): (
        inbound_action("assign", {"officer": "test-officer"}),
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/inbound/{inbound_id}/access-type"): (
        inbound_action("access-type", {"access_type": "indirect", "reason": "held by customs"}),
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 403, AUDITOR: 403},  # the desk decides it
    ),
    **{
        ("POST", f"/v1/inbound/{{inbound_id}}/{action}"): (
            inbound_action(action, body),
            {OFFICER: 409, SUPERVISOR: 409, PCCC: 404, AUDITOR: 403},
        )
        for action, body in INBOUND_REPLIES.items()
    },
    # Supervisors only (the order is accepted; tests/registrar follows it to registration).
    ("POST", "/v1/simulate/inbound"): (
        simulate,
        {OFFICER: 403, SUPERVISOR: 202, PCCC: 403, AUDITOR: 403},
    ),
    # Case files (docs/cases.md): a PCCC sees only its own unit's cases, so a desk case is 404.
    ("POST", "/v1/cases"): (open_case, {OFFICER: 201, SUPERVISOR: 201, PCCC: 201, AUDITOR: 403}),
    ("GET", "/v1/cases"): (cases, {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403}),
    ("GET", "/v1/cases/{case_id}"): (
        read_case,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/cases/{case_id}/links"): (
        link_case,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("DELETE", "/v1/cases/{case_id}/links/requests/{request_id}"): (
        unlink_request,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("DELETE", "/v1/cases/{case_id}/links/inbound/{inbound_id}"): (
        unlink_inbound,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("DELETE", "/v1/cases/{case_id}/links/messages/{message_id}"): (
        unlink_message,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/cases/{case_id}/close"): (
        close_case,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
    # Attachments (docs/attachments.md): a staged upload is its uploader's alone, so the same
    # subject under another role gets 404.
    # Search (docs/search.md): every role that reads requests searches; auditors read the log.
    ("GET", "/v1/search"): (search, {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403}),
    ("POST", "/v1/attachments"): (upload, {OFFICER: 201, SUPERVISOR: 201, PCCC: 201, AUDITOR: 403}),
    ("GET", "/v1/attachments/{attachment_id}"): (
        read_upload,
        {OFFICER: 200, SUPERVISOR: 404, PCCC: 404, AUDITOR: 403},
    ),
    ("GET", "/v1/attachments/{attachment_id}/content"): (
        download,
        {OFFICER: 200, SUPERVISOR: 404, PCCC: 404, AUDITOR: 403},
    ),
    ("DELETE", "/v1/attachments/{attachment_id}"): (
        delete_upload,
        {OFFICER: 204, SUPERVISOR: 404, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/cases/{case_id}/reopen"): (
        reopen_case,
        {OFFICER: 409, SUPERVISOR: 409, PCCC: 404, AUDITOR: 403},
    ),
    # Conversations (docs/conversations.md): as the thread they are written on; the desk's
    # threads are 404 to a PCCC unit.
    ("POST", "/v1/requests/{request_id}/dispatches/{dispatch_id}/messages"): (
        dispatch_message,
        {OFFICER: 409, SUPERVISOR: 409, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/requests/{request_id}/dispatches/{dispatch_id}/reminder"): (
        remind,
        {OFFICER: 409, SUPERVISOR: 409, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/inbound/{inbound_id}/messages"): (
        inbound_message,
        {OFFICER: 409, SUPERVISOR: 409, PCCC: 404, AUDITOR: 403},
    ),
    ("POST", "/v1/cases/{case_id}/spontaneous"): (
        spontaneous,
        {OFFICER: 202, SUPERVISOR: 202, PCCC: 404, AUDITOR: 403},
    ),
    ("GET", "/v1/messages"): (messages, {OFFICER: 200, SUPERVISOR: 200, PCCC: 200, AUDITOR: 403}),
    ("GET", "/v1/messages/{message_id}"): (
        read_message,
        {OFFICER: 200, SUPERVISOR: 200, PCCC: 404, AUDITOR: 403},
    ),
}
UNAUTHENTICATED_PATHS = {"/v1/auth/token", "/v1/auth/dev-token"}


def _v1_operations(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    }


async def test_every_endpoint_is_in_the_matrix(app: FastAPI) -> None:
    routes = _v1_operations(app) - {("POST", path) for path in UNAUTHENTICATED_PATHS}
    assert routes == set(MATRIX), "add the missing endpoints to MATRIX (and remove stale ones)"


@pytest.mark.parametrize("endpoint", list(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
async def test_role_matrix(
    endpoint: tuple[str, str], app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    call, expected = MATRIX[endpoint]
    outcomes = {}
    for role in Role:
        # Each role acts under the subject ``test-officer`` so that "own" means the same.
        headers = auth_headers(app, role, "test-officer", OWN_UNIT if role is PCCC else None)
        outcomes[role] = (await call(anonymous, app, headers)).status_code
    assert outcomes == expected


async def test_without_a_valid_token_every_endpoint_answers_401(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    expired = token(app, Role.SUPERVISOR, ttl_seconds=-3600)
    invalid: list[dict[str, str]] = [
        {},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": "Bearer x.y.z"},
        {"Authorization": "Basic dGVzdDp0ZXN0"},
    ]
    for method, path in MATRIX:
        url = path.replace("{request_id}", "00000000-0000-4000-8000-000000000000")
        url = url.replace("{dispatch_id}", "00000000-0000-4000-8000-000000000001")
        url = url.replace("{inbound_id}", "00000000-0000-4000-8000-000000000002")
        url = url.replace("{case_id}", "00000000-0000-4000-8000-000000000003")
        url = url.replace("{attachment_id}", "00000000-0000-4000-8000-000000000004")
        body: dict[str, Any] | None = request_body() if method == "POST" else None
        for headers in invalid:
            if url == "/v1/attachments":  # multipart, or the body guard answers first
                response = await anonymous.post(
                    url, files={"file": ("a.jpg", JPEG, "image/jpeg")}, headers=headers
                )
            else:
                response = await anonymous.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"].startswith('Bearer realm="oss-router"')
            assert response.headers["content-type"] == "application/problem+json"


async def test_a_pccc_reads_and_lists_only_its_own_units_requests(
    app: FastAPI, anonymous: httpx.AsyncClient
) -> None:
    own = await _create(anonymous, app, PCCC)
    desk = await _create(anonymous, app, OFFICER)
    other_unit = auth_headers(app, PCCC, "pccc-b", "PCCC-OTHER")
    mine = auth_headers(app, PCCC, "pccc-a", OWN_UNIT)

    assert (await anonymous.get(f"/v1/requests/{own}", headers=mine)).status_code == 200
    assert (await anonymous.get(f"/v1/requests/{own}", headers=other_unit)).status_code == 404
    assert (await anonymous.get(f"/v1/requests/{desk}", headers=mine)).status_code == 404
    listed = (await anonymous.get("/v1/requests", headers=mine)).json()["items"]
    assert [item["id"] for item in listed] == [own]
    assert (await anonymous.get("/v1/requests", headers=other_unit)).json()["items"] == []
    officer_sees = (await anonymous.get("/v1/requests", headers=auth_headers(app, OFFICER))).json()
    assert {item["id"] for item in officer_sees["items"]} == {own, desk}
