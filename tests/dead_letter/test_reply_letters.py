"""Dead letters of replies to partners: listed with their reply's status, replayed back to
``queued`` like a dispatch's (timeline, audit, a new journey), a stale copy refused, and a
discard on the received request's timeline (in-process broker; SQLite and PostgreSQL)."""

from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from sqlalchemy import select
from tests.support.inbound import events_of, outbox_of_reply, replies_of, seed_inbound
from tests.support.staging import open_runtime

from oss_router.broker.contract import OutgoingMessage
from oss_router.broker.topology import DEAD_LETTER_EXCHANGE
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.dead_letter import operations
from oss_router.dead_letter.operations import Selection
from oss_router.dead_letter.service import Outcome
from oss_router.inbound import reply_repository
from oss_router.inbound.replies import stage_reply
from oss_router.inbound.reply_results import apply_reply_result
from oss_router.messages.codes import Channel, ReplyType
from oss_router.messages.dispatch import ATTEMPT_HEADER, LAST_ERROR_HEADER
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER, ReplyResult, reply_result_message_id
from oss_router.models import AuditEntry
from oss_router.runtime import Runtime
from oss_router.unit_of_work import unit_of_work

CHANNELS = list(Channel)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


async def failed_reply(runtime: Runtime) -> tuple[UUID, UUID, bytes]:
    """A refusal whose delivery failed, and the envelope the worker dead-lettered."""
    inbound_id = await seed_inbound(runtime, utcnow(), status="refused", outcome="refused")
    async with unit_of_work(runtime.sessions) as work:
        inbound = await reply_repository.get_locked(work.session, inbound_id)
        assert inbound is not None
        reply = stage_reply(work, inbound, ReplyType.REFUSAL, {"reason": "no"}, "o", utcnow())
    failure = ReplyResult(
        message_id=reply_result_message_id(reply.id, "failed"),
        reply_id=reply.id,
        inbound_id=inbound_id,
        correlation_id="c",
        channel=Channel.EUROPOL,
        status="failed",
        error="SIENA gateway refused the message",
        attempts=3,
        occurred_at=utcnow(),
    )
    async with unit_of_work(runtime.sessions) as work:
        await apply_reply_result(work, failure, utcnow())
    [row] = await outbox_of_reply(runtime, reply.id)
    return inbound_id, reply.id, row.body


async def dead_letter(runtime: Runtime, body: bytes, message_id: str) -> None:
    await runtime.broker.publish(
        [
            OutgoingMessage(
                DEAD_LETTER_EXCHANGE,
                "europol",
                body,
                message_id,
                headers={
                    MESSAGE_TYPE_HEADER: "reply",
                    ATTEMPT_HEADER: 3,
                    LAST_ERROR_HEADER: "SIENA gateway refused the message",
                    "x-death": [{"reason": "rejected"}],
                },
            )
        ]
    )


async def replay(runtime: Runtime) -> list[Outcome]:
    return await operations.replay(
        runtime.sessions,
        runtime.broker,
        Selection(CHANNELS),
        actor="operator:alice",
        reason="SIENA gateway fixed (INC-7)",
        report=lambda _outcome: None,
    )


async def test_a_failed_reply_is_listed_and_replayed_back_to_queued(runtime: Runtime) -> None:
    inbound_id, reply_id, body = await failed_reply(runtime)
    await dead_letter(runtime, body, "letter-1")

    [listed] = await operations.list_letters(runtime.sessions, runtime.broker, CHANNELS, 10)
    assert (listed.letter.is_reply, listed.letter.reply_id, listed.letter.inbound_id) == (
        True,
        reply_id,
        inbound_id,
    )
    assert (listed.status, listed.error) == ("failed", "SIENA gateway refused the message")

    [outcome] = await replay(runtime)

    assert (outcome.done, outcome.note) == (True, "reply replayed (replay 1) to europol")
    [reply] = await replies_of(runtime, inbound_id)
    assert (reply.status, reply.attempts, reply.error) == ("queued", 0, None)
    rows = await outbox_of_reply(runtime, reply_id)
    assert [row.headers.get("x-oss-replay") for row in rows] == [None, 1]
    types = [e.type for e in await events_of(runtime, inbound_id)]
    assert types[-2:] == ["reply_status", "reply_replayed"]
    async with runtime.sessions() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.inbound_id == inbound_id))
        ).all()
    assert [(e.action, e.actor, e.detail["operation"]) for e in entries] == [
        ("alteration", "operator:alice", "reply_replay")
    ]

    await dead_letter(runtime, body, "letter-1-copy")  # a copy left behind
    [again] = await replay(runtime)
    assert (again.done, again.note) == (
        False,
        "already replayed (this letter is a stale copy): discard it",
    )
    [discarded] = await operations.discard(
        runtime.sessions,
        runtime.broker,
        Selection(CHANNELS),
        actor="operator:alice",
        reason="stale copy",
        report=lambda _outcome: None,
    )
    assert discarded.done
    assert (await events_of(runtime, inbound_id))[-1].type == "dead_letter_discarded"
