"""The retention purge erases the bytes and names of attachments (retention/attachments.py)."""

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.audit.service import Actor
from oss_router.clock import utcnow
from oss_router.db import transaction
from oss_router.models import Attachment, AttachmentContent
from oss_router.retention.attachments import purge_attachments_batch
from tests.attachments.conftest import upload
from tests.support import attachments as files
from tests.support.attachments import seed_message

DPO = Actor.operator("operator:dpo")


async def test_purge_erases_expired_uploads_and_files_of_purged_messages(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    staged = (await upload(http, files.jpeg())).json()
    sent = (await upload(http, files.pdf())).json()
    kept = (await upload(http, files.png())).json()
    purged_message = await seed_message(app, purged_at=utcnow())
    live_message = await seed_message(app)
    async with transaction(app.state.runtime.sessions) as session:
        for key, message in ((sent["id"], purged_message), (kept["id"], live_message)):
            row = await session.get(Attachment, uuid.UUID(key))
            assert row is not None
            row.message_id = message
    async with transaction(app.state.runtime.sessions) as session:
        erased = await purge_attachments_batch(
            session, staged_for=timedelta(hours=24), actor=DPO, now=utcnow() + timedelta(hours=25)
        )
    assert sorted(map(str, erased)) == sorted([staged["id"], sent["id"]])
    async with app.state.runtime.sessions() as session:
        contents = set((await session.scalars(select(AttachmentContent.attachment_id))).all())
        assert contents == {uuid.UUID(kept["id"])}
        rows = {str(row.id): row for row in (await session.scalars(select(Attachment))).all()}
    assert rows[staged["id"]].filename is None
    assert rows[staged["id"]].purged_at is not None
    assert rows[sent["id"]].filename is None
    assert rows[kept["id"]].filename == "photo.jpg"
    assert (await http.get(sent["href"])).status_code == 404
