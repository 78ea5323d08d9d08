"""Replies to partners: staged with their outbox row, their delivery applied once, and the
partner's clarification resuming the clock (SQLite and PostgreSQL, frozen clock)."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.broker.topology import DISPATCH_EXCHANGE
from oss_router.config import Settings
from oss_router.inbound import reply_repository
from oss_router.inbound.replies import stage_reply
from oss_router.inbound.reply_results import apply_partner_clarification, apply_reply_result
from oss_router.messages.codes import Channel, ReplyType
from oss_router.messages.inbound import (
    MESSAGE_TYPE_HEADER,
    PartnerMessage,
    ReplyEnvelope,
    ReplyResult,
    partner_message_id,
    reply_result_message_id,
)
from oss_router.models import AuditEntry
from oss_router.unit_of_work import unit_of_work
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway
from tests.support.inbound import (
    events_of,
    load_inbound,
    outbox_of_reply,
    replies_of,
    seed_inbound,
)

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    async with quiet_gateway(settings, clock) as (application, _http):
        yield application


async def stage(app: FastAPI, inbound_id: UUID, reply_type: ReplyType, now: datetime) -> UUID:
    async with unit_of_work(app.state.runtime.sessions) as work:
        inbound = await reply_repository.get_locked(work.session, inbound_id)
        assert inbound is not None
        reply = stage_reply(
            work, inbound, reply_type, {"question": "Which Anna?"}, "officer:o", now
        )
    return reply.id


def result(
    inbound_id: UUID, reply_id: UUID, status: str, at: datetime, error: str | None = None
) -> ReplyResult:
    return ReplyResult(
        message_id=reply_result_message_id(reply_id, status),  # type: ignore[arg-type]
        reply_id=reply_id,
        inbound_id=inbound_id,
        correlation_id="c",
        channel=Channel.EUROPOL,
        status=status,  # type: ignore[arg-type]
        partner_message_reference="SIENA-99" if status == "delivered" else None,
        error=error,
        attempts=2,
        occurred_at=at,
    )


async def apply(app: FastAPI, message: ReplyResult, now: datetime) -> int:
    async with unit_of_work(app.state.runtime.sessions) as work:
        return len(await apply_reply_result(work, message, now))


async def test_a_staged_reply_goes_to_its_channel_queue_as_a_reply(app: FastAPI) -> None:
    inbound_id = await seed_inbound(app, T0, status="assigned", assigned_to="o")

    reply_id = await stage(app, inbound_id, ReplyType.CLARIFICATION_REQUEST, T0)

    [reply] = await replies_of(app, inbound_id)
    assert (reply.id, reply.status, reply.type, reply.channel) == (
        reply_id,
        "queued",
        "clarification_request",
        "europol",
    )
    [row] = await outbox_of_reply(app, reply_id)
    assert (row.exchange, row.routing_key, row.dispatch_id) == (DISPATCH_EXCHANGE, "europol", None)
    assert row.headers[MESSAGE_TYPE_HEADER] == "reply"
    envelope = ReplyEnvelope.model_validate_json(row.body)
    inbound = await load_inbound(app, inbound_id)
    assert (envelope.reply_id, envelope.inbound_id, envelope.country) == (
        reply_id,
        inbound_id,
        "DE",
    )
    assert envelope.partner_reference == inbound.partner_reference
    assert envelope.body == {"question": "Which Anna?"}
    assert json.loads(row.body)["reply_type"] == "clarification_request"
    assert [e.type for e in await events_of(app, inbound_id)] == ["reply_queued"]


async def test_a_delivery_applies_once_and_implies_sent(app: FastAPI) -> None:
    inbound_id = await seed_inbound(app, T0, status="answered")
    reply_id = await stage(app, inbound_id, ReplyType.ANSWER, T0)
    delivered = result(inbound_id, reply_id, "delivered", T0 + timedelta(minutes=1))

    assert await apply(app, delivered, T0 + timedelta(minutes=1)) == 2  # sent, then delivered
    assert await apply(app, delivered, T0 + timedelta(minutes=2)) == 0  # a redelivery

    [reply] = await replies_of(app, inbound_id)
    assert (reply.status, reply.attempts, reply.partner_message_reference) == (
        "delivered",
        2,
        "SIENA-99",
    )
    moves = [
        (e.from_status, e.to_status, e.actor)
        for e in await events_of(app, inbound_id)
        if e.type == "reply_status"
    ]
    assert moves == [
        ("queued", "sent", "system:relay"),
        ("sent", "delivered", "channel:europol"),
    ]


async def test_a_failed_reply_stays_failed_and_visible(app: FastAPI) -> None:
    inbound_id = await seed_inbound(app, T0, status="refused")
    reply_id = await stage(app, inbound_id, ReplyType.REFUSAL, T0)
    failed = result(inbound_id, reply_id, "failed", T0, error="SIENA rejected the message")

    assert await apply(app, failed, T0) == 2
    late = result(inbound_id, reply_id, "delivered", T0 + timedelta(minutes=5))
    assert await apply(app, late, T0 + timedelta(minutes=5)) == 0  # nothing leaves failed

    [reply] = await replies_of(app, inbound_id)
    assert (reply.status, reply.error) == ("failed", "SIENA rejected the message")


def clarification(reference: str, at: datetime, text: str = "Anna born 1985") -> PartnerMessage:
    return PartnerMessage(
        message_id=partner_message_id("europol", reference, "clarification-1"),
        type="clarification",
        channel=Channel.EUROPOL,
        partner_reference=f"{reference}-C1",
        in_reply_to=reference,
        text=text,
        requesting_country="DE",
        requesting_authority="BKA Wiesbaden",
        received_at=at,
        correlation_id="c",
    )


async def clarify(app: FastAPI, message: PartnerMessage, now: datetime) -> bool:
    async with unit_of_work(app.state.runtime.sessions) as work:
        return await apply_partner_clarification(work, message, now) is not None


async def test_the_clock_stops_from_delivery_to_the_partners_answer(app: FastAPI) -> None:
    """Directive (EU) 2023/977 Art. 6(3): suspended from the partner's receipt of our request
    for clarification until the clarification is provided."""
    due = T0 + timedelta(days=7)
    inbound_id = await seed_inbound(app, T0, status="awaiting_clarification", assigned_to="o")
    reply_id = await stage(app, inbound_id, ReplyType.CLARIFICATION_REQUEST, T0)
    received = T0 + timedelta(hours=1)
    await apply(app, result(inbound_id, reply_id, "delivered", received), received)
    assert (await load_inbound(app, inbound_id)).suspended_at == received

    inbound = await load_inbound(app, inbound_id)
    message = clarification(inbound.partner_reference, T0 + timedelta(hours=3, minutes=30))
    assert await clarify(app, message, T0 + timedelta(hours=4))
    assert not await clarify(app, message, T0 + timedelta(hours=5))  # a redelivery

    after = await load_inbound(app, inbound_id)
    assert (after.status, after.suspended_at) == ("assigned", None)
    assert after.due_at == due + timedelta(hours=2, minutes=30)
    assert "2 h 30 min suspended awaiting clarification" in after.deadline_basis
    assert "Art. 6(3)" in after.deadline_basis
    taken = [e for e in await events_of(app, inbound_id) if e.type == "clarification_received"]
    assert len(taken) == 1
    assert (taken[0].from_status, taken[0].to_status) == ("awaiting_clarification", "assigned")
    assert taken[0].detail["text"] == "Anna born 1985"
    assert taken[0].detail["suspended_seconds"] == 9000


async def test_a_clarification_before_our_request_arrived_moves_no_deadline(app: FastAPI) -> None:
    inbound_id = await seed_inbound(app, T0, status="awaiting_clarification", assigned_to="o")
    inbound = await load_inbound(app, inbound_id)

    assert await clarify(app, clarification(inbound.partner_reference, T0), T0)

    after = await load_inbound(app, inbound_id)
    assert (after.status, after.due_at) == ("assigned", inbound.due_at)


async def test_an_unsolicited_clarification_is_recorded_and_moves_nothing(app: FastAPI) -> None:
    inbound_id = await seed_inbound(app, T0, status="assigned", assigned_to="o")
    inbound = await load_inbound(app, inbound_id)

    assert await clarify(app, clarification(inbound.partner_reference, T0), T0)

    after = await load_inbound(app, inbound_id)
    assert (after.status, after.due_at) == ("assigned", inbound.due_at)
    assert [e.type for e in await events_of(app, inbound_id)] == ["clarification_unsolicited"]


async def test_a_clarification_about_no_request_is_ignored(app: FastAPI) -> None:
    assert not await clarify(app, clarification("DE-unknown", T0), T0)


async def test_the_clarification_is_audited_as_a_collection(app: FastAPI) -> None:
    inbound_id = await seed_inbound(app, T0, status="awaiting_clarification", assigned_to="o")
    inbound = await load_inbound(app, inbound_id)
    await clarify(app, clarification(inbound.partner_reference, T0), T0)

    async with app.state.runtime.sessions() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.inbound_id == inbound_id))
        ).all()
    assert [(e.action, e.detail["from"]["country"]) for e in entries] == [("collection", "DE")]
