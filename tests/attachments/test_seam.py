"""The seam of the conversation code (attachments/service.py): ``claim_for_message`` for an
outgoing message, ``store_received`` for an incoming one; messages are rows written here."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.attachments.limits import AttachmentLimits
from oss_router.attachments.service import claim_for_message, store_received
from oss_router.auth.principal import Principal, Role
from oss_router.errors import ValidationFailed
from oss_router.messages.conversation import MessageEnvelope, WireAttachment
from oss_router.models import Attachment, AttachmentContent
from oss_router.unit_of_work import unit_of_work
from tests.attachments.conftest import FILE_LIMIT, MESSAGE_LIMIT, as_, upload
from tests.support import attachments as files
from tests.support.attachments import message_row

SOFIA = Principal("sofia", Role.OFFICER)
# The seam reads the process's settings when no limits are given; the app here has its own.
LIMITS = AttachmentLimits(max_file_bytes=FILE_LIMIT, max_message_bytes=MESSAGE_LIMIT)
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


async def _staged(http: httpx.AsyncClient, *contents: bytes) -> list[uuid.UUID]:
    ids = []
    for content in contents:
        response = await upload(http, content)
        assert response.status_code == 201, response.text
        ids.append(uuid.UUID(response.json()["id"]))
    return ids


async def test_a_message_claims_the_callers_uploads_with_their_bytes(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    contents = [files.jpeg(), files.pdf(), files.nist()]
    ids = await _staged(http, *contents)
    message = message_row()
    async with unit_of_work(app.state.runtime.sessions) as work:
        work.session.add(message)
        wire = await claim_for_message(work, list(reversed(ids)), message, SOFIA)
    assert [item.attachment_id for item in wire] == list(reversed(ids))
    assert [item.content for item in wire] == list(reversed(contents))
    assert [item.sha256 for item in wire] == [
        hashlib.sha256(content).hexdigest() for content in reversed(contents)
    ]
    # They travel in the envelope as base64 and come back the same.
    envelope = MessageEnvelope(
        message_id=uuid.uuid4(),
        exchange_message_id=message.id,
        correlation_id="c",
        channel="europol",
        country="DE",
        type="follow_up",
        handling_code="H0",
        text="See the files.",
        attachments=wire,
        created_at=NOW,
    )
    again = MessageEnvelope.model_validate_json(envelope.model_dump_json())
    assert [item.content for item in again.attachments] == list(reversed(contents))
    read = await http.get(f"/v1/attachments/{ids[0]}")
    assert read.json()["message_id"] == str(message.id)


@pytest.mark.parametrize("case", ["unknown", "foreign", "claimed", "twice"])
async def test_only_the_callers_staged_uploads_can_be_claimed(
    app: FastAPI, http: httpx.AsyncClient, case: str
) -> None:
    [mine] = await _staged(http, files.png())
    marek = as_(app, Role.OFFICER, "marek")
    theirs = uuid.UUID((await upload(http, files.png(), headers=marek)).json()["id"])
    first = message_row()
    async with unit_of_work(app.state.runtime.sessions) as work:
        work.session.add(first)
        await claim_for_message(work, [mine], first, SOFIA)
    [fresh] = await _staged(http, files.png())
    ids = {
        "unknown": [fresh, uuid.uuid4()],
        "foreign": [fresh, theirs],
        "claimed": [fresh, mine],
        "twice": [fresh, fresh],
    }[case]
    with pytest.raises(ValidationFailed) as refused:  # noqa: PT012 - the rollback is part of it
        async with unit_of_work(app.state.runtime.sessions) as work:
            message = message_row()
            work.session.add(message)
            await claim_for_message(work, ids, message, SOFIA)
    assert [error.field for error in refused.value.errors] == ["attachment_ids"]
    read = await http.get(f"/v1/attachments/{fresh}")
    assert read.json()["message_id"] is None  # nothing was claimed


async def test_a_message_carries_at_most_ten_files_and_the_message_limit(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    many = await _staged(http, *[files.png(1024) for _ in range(11)])
    big = await _staged(http, files.jpeg(FILE_LIMIT), files.jpeg(MESSAGE_LIMIT - FILE_LIMIT + 1))
    for ids, words in ((many, "at most 10 files"), (big, "at most 307200")):
        with pytest.raises(ValidationFailed) as refused:  # noqa: PT012 - the rollback is part of it
            async with unit_of_work(app.state.runtime.sessions) as work:
                message = message_row()
                work.session.add(message)
                await claim_for_message(work, ids, message, SOFIA, LIMITS)
        assert refused.value.errors[0].field == "attachment_ids"
        assert words in refused.value.errors[0].message
    async with unit_of_work(app.state.runtime.sessions) as work:
        message = message_row()
        work.session.add(message)
        assert len(await claim_for_message(work, many[:10], message, SOFIA)) == 10


def _wire(content: bytes, name: str = "photo.jpg", **overrides: object) -> WireAttachment:
    values: dict[str, object] = {
        "attachment_id": uuid.uuid4(),
        "filename": name,
        "content_type": "image/jpeg",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": base64.b64encode(content),
    }
    values.update(overrides)
    return WireAttachment.model_validate(values)


async def test_received_files_are_checked_and_the_good_ones_stored(app: FastAPI) -> None:
    good, prints = files.jpeg(), files.nist()
    damaged = files.png()
    received = [
        _wire(good, "../photo.jpg", content_type="application/octet-stream"),
        _wire(files.exe(), "photo2.jpg"),
        _wire(damaged, "scan.png", sha256=hashlib.sha256(b"other").hexdigest()),
        _wire(files.jpeg(FILE_LIMIT + 1), "huge.jpg"),
        _wire(prints, "prints.eft"),
    ]
    message = message_row(direction="incoming", created_by="partner:europol", unit=None)
    async with unit_of_work(app.state.runtime.sessions) as work:
        work.session.add(message)
        await work.session.flush()
        refused = await store_received(work, message, received, NOW, LIMITS)
    assert len(refused) == 3
    assert refused[0].startswith("photo2.jpg was not stored:")
    assert "checksum" in refused[1]
    assert refused[2].startswith("huge.jpg was not stored:")
    async with app.state.runtime.sessions() as session:
        rows = (await session.scalars(select(Attachment).order_by(Attachment.filename))).all()
        assert [(row.filename, row.content_type) for row in rows] == [
            ("photo.jpg", "image/jpeg"),
            ("prints.eft", "application/x-ansi-nist-itl"),
        ]
        assert all(row.message_id == message.id for row in rows)
        stored = {
            row.attachment_id: row.content
            for row in (await session.scalars(select(AttachmentContent))).all()
        }
        assert sorted(stored.values()) == sorted([good, prints])
    # The same message registered again stores nothing twice.
    async with unit_of_work(app.state.runtime.sessions) as work:
        assert len(await store_received(work, message, received, NOW, LIMITS)) == 3
    async with app.state.runtime.sessions() as session:
        assert len((await session.scalars(select(Attachment))).all()) == 2


async def test_received_files_beyond_the_message_limits_are_refused(app: FastAPI) -> None:
    received = [_wire(files.png(1024), f"p{index}.png") for index in range(11)]
    message = message_row(direction="incoming", created_by="partner:europol")
    async with unit_of_work(app.state.runtime.sessions) as work:
        work.session.add(message)
        await work.session.flush()
        refused = await store_received(work, message, received, NOW, LIMITS)
    assert refused == ["p10.png was not stored: a message carries at most 10 files."]
