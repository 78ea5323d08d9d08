"""The registrar registers a partner's conversation message (type ``message``) through the
inbound queue in the embedded runtime, once however often it arrives, and a malformed one is
dead-lettered like any partner message."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from oss_router.messages.codes import Channel, MessageType
from oss_router.messages.inbound import PartnerMessage, partner_message_id
from oss_router.models import ExchangeMessage
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
