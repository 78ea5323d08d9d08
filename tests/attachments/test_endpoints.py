"""``/v1/attachments``: upload (checked in its bytes, bounded while it streams in), metadata,
streamed download (audited), deletion of a staged upload; on SQLite and PostgreSQL."""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message

from oss_router.attachments.endpoints import CHUNK_BYTES
from oss_router.auth.principal import Role
from tests.attachments.conftest import FILE_LIMIT, KIB, UNIT, as_, create_request, upload
from tests.support import attachments as files
from tests.support.audit import log_of
from tests.support.inbound import seed_inbound


def _field_errors(response: httpx.Response) -> dict[str, str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return {error["field"]: error["message"] for error in response.json().get("errors", [])}


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (files.jpeg(150 * KIB), "photo.jpg", "image/jpeg"),
        (files.png(), "scan.png", "image/png"),
        (files.tiff(), "scan.tif", "image/tiff"),
        (files.pdf(), "letter.pdf", "application/pdf"),
        (files.nist(), "prints.eft", "application/x-ansi-nist-itl"),
    ],
)
async def test_an_upload_is_staged_with_the_type_found_in_its_bytes(
    http: httpx.AsyncClient, content: bytes, name: str, content_type: str
) -> None:
    # Declared as something else: the bytes decide.
    response = await upload(http, content, name, "application/octet-stream")
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/attachments/{body['id']}"
    assert body["content_type"] == content_type
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["filename"] == name
    assert body["message_id"] is None
    assert body["href"] == f"/v1/attachments/{body['id']}/content"
    read = await http.get(f"/v1/attachments/{body['id']}")
    assert read.status_code == 200
    assert read.json() == body


async def test_the_streamed_download_equals_the_upload(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    content = files.jpeg(FILE_LIMIT)  # several chunks
    created = (await upload(http, content, "Zdjęcie ślubne.jpg")).json()
    response = await http.get(created["href"])
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == created["sha256"]
    assert response.content == content
    headers = response.headers
    assert headers["content-type"] == "image/jpeg"
    assert headers["content-length"] == str(len(content))
    assert headers["etag"] == f'"{created["sha256"]}"'
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["content-disposition"] == (
        'attachment; filename="Zdjecie slubne.jpg"; '
        "filename*=UTF-8''Zdj%C4%99cie%20%C5%9Blubne.jpg"
    )
    consultations = [
        entry
        for entry in await log_of(app)
        if entry.action == "consultation" and entry.detail.get("via") == "attachment"
    ]
    assert [entry.detail["attachment_id"] for entry in consultations] == [created["id"]]
    assert consultations[0].actor == "officer:sofia"


async def test_the_download_is_sent_in_pieces(app: FastAPI, http: httpx.AsyncClient) -> None:
    """At the ASGI level (the test client joins the pieces): one body message per chunk."""
    content = files.png(FILE_LIMIT)
    created = (await upload(http, content, "scan.png")).json()
    sent: list[Message] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": created["href"],
        "raw_path": created["href"].encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(key.lower().encode(), value.encode()) for key, value in http.headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    requested, done = False, asyncio.Event()

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays connected until the response ends
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    pieces = [m["body"] for m in sent if m["type"] == "http.response.body" and m.get("body")]
    assert b"".join(pieces) == content
    assert len(pieces) == -(-FILE_LIMIT // CHUNK_BYTES)
    assert max(len(piece) for piece in pieces) == CHUNK_BYTES


async def test_a_file_over_the_limit_is_refused_naming_file(http: httpx.AsyncClient) -> None:
    response = await upload(http, files.jpeg(FILE_LIMIT + 1))
    assert response.status_code == 413
    assert "at most 204800 bytes" in _field_errors(response)["file"]
    # Far over it: the gateway refuses the body from its length alone.
    response = await upload(http, files.jpeg(4 * FILE_LIMIT))
    assert response.status_code == 413
    assert "file" in _field_errors(response)


async def test_an_oversized_upload_is_refused_before_it_is_read_whole(
    http: httpx.AsyncClient,
) -> None:
    """Streamed without a length: reading stops once the file passes the limit."""
    sent = 0
    boundary = "b0undary"

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        yield head
        chunk = files.jpeg(16 * KIB)
        for _ in range(200):  # 3.2 MB in all
            sent += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await http.post(
        "/v1/attachments",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert "file" in _field_errors(response)
    assert sent <= FILE_LIMIT + 2 * 16 * KIB


async def test_only_the_upload_route_admits_a_large_body(http: httpx.AsyncClient) -> None:
    assert (await upload(http, files.jpeg(150 * KIB))).status_code == 201
    big_json = {"title": "x" * (150 * KIB), "reference": "NAT-1"}
    assert (await http.post("/v1/cases", json=big_json)).status_code == 413


async def test_an_empty_file_is_refused(http: httpx.AsyncClient) -> None:
    response = await upload(http, b"")
    assert response.status_code == 422
    assert "empty" in _field_errors(response)["file"]


async def test_a_program_named_like_a_photo_is_refused(http: httpx.AsyncClient) -> None:
    response = await upload(http, files.exe(), "photo.jpg", "image/jpeg")
    assert response.status_code == 422
    assert "whatever its name says" in _field_errors(response)["file"]


async def test_the_upload_must_be_one_file_in_a_field_named_file(
    http: httpx.AsyncClient,
) -> None:
    other = await http.post(
        "/v1/attachments", files={"document": ("a.jpg", files.jpeg(), "image/jpeg")}
    )
    assert other.status_code == 422
    assert "document" in _field_errors(other)
    json_body = await http.post("/v1/attachments", json={"file": "x"})
    assert json_body.status_code == 415
    assert "Content-Type" in _field_errors(json_body)
    two = await http.post(
        "/v1/attachments",
        files=[("file", ("a.jpg", files.jpeg(), "image/jpeg")), ("file", ("b.png", files.png()))],
    )
    assert two.status_code == 422
    assert "one file per upload" in _field_errors(two)["file"]


async def test_a_staged_upload_is_seen_only_by_its_uploader(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    created = (await upload(http, files.pdf())).json()
    for role, subject in [
        (Role.OFFICER, "marek"),
        (Role.SUPERVISOR, "sofia"),  # the same person under another role is another actor
        (Role.PCCC, "sofia"),
    ]:
        headers = as_(app, role, subject, UNIT)
        for path in (f"/v1/attachments/{created['id']}", created["href"]):
            assert (await http.get(path, headers=headers)).status_code == 404
        assert (
            await http.delete(f"/v1/attachments/{created['id']}", headers=headers)
        ).status_code == 404
    auditor = as_(app, Role.AUDITOR, "ada")
    assert (await http.get(created["href"], headers=auditor)).status_code == 403


async def test_the_uploader_deletes_a_staged_upload(app: FastAPI, http: httpx.AsyncClient) -> None:
    created = (await upload(http, files.png())).json()
    assert (await http.delete(f"/v1/attachments/{created['id']}")).status_code == 204
    assert (await http.get(f"/v1/attachments/{created['id']}")).status_code == 404
    assert (await http.delete(f"/v1/attachments/{created['id']}")).status_code == 404
    operations = [entry.detail.get("operation") for entry in await log_of(app)]
    assert operations.count("attachment_uploaded") == 1
    assert operations.count("attachment_deleted") == 1


async def _attach(app: FastAPI, attachment_id: str, **thread: Any) -> uuid.UUID:
    """Put an upload on a message of the given thread, as a conversation would."""
    from oss_router.models import Attachment
    from tests.support.attachments import seed_message

    message_id = await seed_message(app, **thread)
    async with app.state.runtime.sessions() as session:
        row = await session.get(Attachment, uuid.UUID(attachment_id))
        assert row is not None
        row.message_id = message_id
        await session.commit()
    return message_id


async def test_a_file_on_a_dispatch_thread_is_seen_as_its_request_is(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    """A PCCC unit sees its own unit's request's files, no other unit's, no desk's."""
    pccc = as_(app, Role.PCCC, "kehl-1", UNIT)
    other_unit = as_(app, Role.PCCC, "basel-1", "PCCC-CH-BASEL")
    own = await create_request(http, headers=pccc)
    desk = await create_request(http)
    own_file = (await upload(http, files.jpeg(), headers=pccc)).json()
    desk_file = (await upload(http, files.jpeg())).json()
    for request, created in ((own, own_file), (desk, desk_file)):
        dispatch = request["dispatches"][0]
        await _attach(
            app,
            created["id"],
            request_id=uuid.UUID(request["id"]),
            dispatch_id=uuid.UUID(dispatch["id"]),
        )
    assert (await http.get(own_file["href"], headers=pccc)).status_code == 200
    assert (await http.get(own_file["href"], headers=other_unit)).status_code == 404
    assert (await http.get(desk_file["href"], headers=pccc)).status_code == 404
    for headers in (as_(app, Role.OFFICER, "marek"), as_(app, Role.SUPERVISOR, "ewa")):
        assert (await http.get(own_file["href"], headers=headers)).status_code == 200
        assert (await http.get(desk_file["href"], headers=headers)).status_code == 200
    # Once on a message it stays: not even its uploader deletes it.
    assert (await http.delete(f"/v1/attachments/{desk_file['id']}")).status_code == 409
    logged = [
        entry.request_id
        for entry in await log_of(app)
        if entry.detail.get("via") == "attachment"
        and entry.detail["attachment_id"] == own_file["id"]
    ]
    assert logged == [uuid.UUID(own["id"])] * 3  # the unit's officer, the officer, the supervisor


async def test_a_file_on_a_received_requests_thread_is_seen_as_that_request_is(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    own = await seed_inbound(app, datetime.now(UTC), unit=UNIT)
    desk = await seed_inbound(app, datetime.now(UTC))
    own_file = (await upload(http, files.tiff())).json()
    desk_file = (await upload(http, files.tiff())).json()
    await _attach(app, own_file["id"], inbound_id=own, direction="incoming")
    await _attach(app, desk_file["id"], inbound_id=desk, direction="incoming")
    pccc = as_(app, Role.PCCC, "kehl-1", UNIT)
    assert (await http.get(f"/v1/attachments/{own_file['id']}", headers=pccc)).status_code == 200
    assert (await http.get(desk_file["href"], headers=pccc)).status_code == 404
    assert (await http.get(desk_file["href"])).status_code == 200
    entries = [e for e in await log_of(app) if e.detail.get("via") == "attachment"]
    assert [entry.inbound_id for entry in entries] == [desk]


async def test_spontaneous_information_follows_its_case_or_the_desk(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    pccc = as_(app, Role.PCCC, "kehl-1", UNIT)
    case = await http.post(
        "/v1/cases", json={"title": "Robbery series", "reference": "NAT-7"}, headers=pccc
    )
    assert case.status_code == 201, case.text
    filed = (await upload(http, files.pdf())).json()
    unfiled = (await upload(http, files.pdf())).json()
    await _attach(app, filed["id"], case_id=uuid.UUID(case.json()["id"]), type="spontaneous")
    await _attach(app, unfiled["id"], type="spontaneous", direction="incoming")
    assert (await http.get(filed["href"], headers=pccc)).status_code == 200
    other_unit = as_(app, Role.PCCC, "basel-1", "PCCC-CH-BASEL")
    assert (await http.get(filed["href"], headers=other_unit)).status_code == 404
    # Not filed yet: the desk's to triage, no unit's.
    assert (await http.get(unfiled["href"], headers=pccc)).status_code == 404
    assert (await http.get(unfiled["href"], headers=as_(app, Role.SUPERVISOR))).status_code == 200
    case_entries = [
        entry.detail.get("case_id")
        for entry in await log_of(app)
        if entry.detail.get("via") == "attachment"
    ]
    assert case_entries == [case.json()["id"], None]
