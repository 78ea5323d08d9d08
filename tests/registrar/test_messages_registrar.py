"""The registrar registers a partner's conversation message (type ``message``) through the
inbound queue in the embedded runtime, once however often it arrives, and a malformed one is
dead-lettered like any partner message."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from oss_router.app import create_app
from oss_router.config import Settings
from oss_router.messages.codes import Channel, MessageType
from oss_router.messages.inbound import PartnerMessage, partner_message_id
from oss_router.models import Attachment, ExchangeMessage
from tests.registrar.test_registrar import handled, publish, runtime_of
from tests.support.polling import eventually

pytestmark = pytest.mark.postgres


def spontaneous() -> PartnerMessage:
    reference = f"SIENA-DE-SPONT-{uuid.uuid4().hex[:10]}"
    return PartnerMessage(
        message_id=partner_message_id(Channel.EUROPOL, reference, "message"),
        type="message",
        message_type=MessageType.SPONTANEOUS,
        channel=Channel.EUROPOL,
        partner_reference=reference,
        text="A convoy of stolen vehicles is expected at the border tonight.",
        requesting_country="DE",
        requesting_authority="BKA Wiesbaden",
        received_at=datetime.now(UTC) - timedelta(seconds=5),
        legal_basis="Directive (EU) 2023/977 Art. 7(1)",
        correlation_id=f"partner-{reference}",
    )


async def messages(app: FastAPI) -> int:
    async with runtime_of(app).sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ExchangeMessage)) or 0)


async def test_a_message_published_twice_is_registered_once(app: FastAPI) -> None:
    message = spontaneous()
    await publish(app, message, message)
    await handled(app, "message", 1)
    await handled(app, "message_duplicate", 1)
    assert await messages(app) == 1
    async with runtime_of(app).sessions() as session:
        row = await session.get(ExchangeMessage, message.message_id)
    assert row is not None
    assert (row.type, row.direction, row.status) == ("spontaneous", "incoming", "received")


async def test_a_malformed_message_is_dead_lettered(app: FastAPI) -> None:
    body = spontaneous().model_dump(mode="json")
    body["attachments"] = [{"attachment_id": str(uuid.uuid4()), "sha256": "not hex"}]
    await publish(app, json.dumps(body).encode())
    await handled(app, "malformed", 1)
    await eventually(lambda: messages(app), lambda n: n == 0)


@pytest.fixture
async def talkative(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FastAPI]:
    """The embedded service with a Europol partner that sends information of its own accord
    ten times a second, a photograph with every other message."""
    monkeypatch.setenv("OSS_ROUTER_ADAPTER_EUROPOL_SPONTANEOUS_PER_MINUTE", "600")
    monkeypatch.setenv("OSS_ROUTER_ADAPTER_EUROPOL_MESSAGE_ATTACHMENT_RATE", "0.5")
    application = create_app(settings, migrate=True)
    async with application.router.lifespan_context(application):
        yield application


async def test_what_a_stub_partner_sends_of_its_own_accord_is_registered(
    talkative: FastAPI,
) -> None:
    await eventually(lambda: messages(talkative), lambda n: n >= 6, timeout=30)
    async with runtime_of(talkative).sessions() as session:
        rows = (await session.scalars(select(ExchangeMessage))).all()
        files = (await session.scalars(select(Attachment))).all()
    assert {row.channel for row in rows} == {"europol"}
    assert {row.type for row in rows} == {"spontaneous"}  # it answered no dispatch of ours
    assert all(row.legal_basis and row.case_id is None and row.error is None for row in rows)
    assert files, "some carried a photograph"
    assert {f.content_type for f in files} == {"image/png"}
    assert {f.message_id for f in files} <= {row.id for row in rows}


async def test_a_message_that_cannot_be_registered_is_dead_lettered(app: FastAPI) -> None:
    await publish(app, spontaneous().model_copy(update={"requesting_country": "Germany"}))
    await handled(app, "malformed", 1)
    assert await messages(app) == 0
