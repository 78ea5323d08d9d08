"""A reply on its way: the relay publishes it to its channel's queue and marks it sent, the
tracker applies its result (told apart from dispatch results by its header) and announces
it on the status exchange in a message of its own."""

from collections.abc import AsyncIterator
from uuid import UUID

import pytest

from oss_router.broker.contract import Delivery, OutgoingMessage
from oss_router.broker.topology import RESULTS_EXCHANGE, RESULTS_KEY, RESULTS_QUEUE, STATUS_EXCHANGE
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.inbound import reply_repository
from oss_router.inbound.replies import stage_reply
from oss_router.messages.codes import Channel, ReplyType
from oss_router.messages.inbound import (
    MESSAGE_TYPE_HEADER,
    REPLY_RESULT_TYPE,
    ReplyResult,
    reply_result_message_id,
)
from oss_router.messages.status import InboundNotices, StatusNotices
from oss_router.outbox.recovery import republish_in_flight
from oss_router.outbox.relay import Relay
from oss_router.runtime import Runtime
from oss_router.tracker.consumer import Tracker
from oss_router.unit_of_work import unit_of_work
from tests.support.inbound import events_of, replies_of, seed_inbound
from tests.support.polling import eventually
from tests.support.results import result_for
from tests.support.staging import dispatch_statuses, open_runtime, stage_request


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


async def staged_reply(runtime: Runtime) -> tuple[UUID, UUID]:
    inbound_id = await seed_inbound(runtime, utcnow(), status="answered", outcome="no_hit")
    async with unit_of_work(runtime.sessions) as work:
        inbound = await reply_repository.get_locked(work.session, inbound_id)
        assert inbound is not None
        reply = stage_reply(work, inbound, ReplyType.ANSWER, {"outcome": "no_hit"}, "o", utcnow())
    return inbound_id, reply.id


def reply_result(inbound_id: UUID, reply_id: UUID) -> OutgoingMessage:
    result = ReplyResult(
        message_id=reply_result_message_id(reply_id, "delivered"),
        reply_id=reply_id,
        inbound_id=inbound_id,
        correlation_id="c",
        channel=Channel.EUROPOL,
        status="delivered",
        occurred_at=utcnow(),
    )
    return OutgoingMessage(
        RESULTS_EXCHANGE,
        RESULTS_KEY,
        result.model_dump_json().encode(),
        str(result.message_id),
        headers={MESSAGE_TYPE_HEADER: REPLY_RESULT_TYPE},
    )


async def test_the_relay_marks_replies_sent_alongside_dispatches(runtime: Runtime) -> None:
    inbound_id, _reply_id = await staged_reply(runtime)
    request = await stage_request(runtime)

    assert await Relay(runtime.sessions, runtime.broker).publish_pending() == 2

    assert [r.status for r in await replies_of(runtime, inbound_id)] == ["sent"]
    assert await dispatch_statuses(runtime, request.id) == ["sent"]
    moves = [(e.from_status, e.to_status, e.actor) for e in await events_of(runtime, inbound_id)]
    assert moves[-1] == ("queued", "sent", "system:relay")


async def test_the_tracker_applies_reply_and_dispatch_results_in_one_stream(
    runtime: Runtime,
) -> None:
    inbound_id, reply_id = await staged_reply(runtime)
    request = await stage_request(runtime)
    heard: dict[str, list[object]] = {"status": [], "inbound": []}

    async def listen(delivery: Delivery) -> None:
        if delivery.headers.get(MESSAGE_TYPE_HEADER) == "inbound-notices":
            heard["inbound"] += InboundNotices.model_validate_json(delivery.body).notices
        else:
            heard["status"] += StatusNotices.model_validate_json(delivery.body).notices
        await delivery.ack()

    await runtime.broker.subscribe(STATUS_EXCHANGE, listen)
    dispatch_result = result_for(request, "answered")
    await runtime.broker.publish(
        [
            reply_result(inbound_id, reply_id),
            OutgoingMessage(
                RESULTS_EXCHANGE,
                RESULTS_KEY,
                dispatch_result.model_dump_json().encode(),
                str(dispatch_result.message_id),
            ),
        ]
    )
    tracker = Tracker(runtime.sessions, runtime.broker)
    consumer = await tracker.start()
    try:
        await eventually(
            lambda: runtime.broker.queue_stats(RESULTS_QUEUE), lambda s: s.messages == 0
        )
        await eventually(lambda: _count(heard), lambda n: n >= 3)
    finally:
        await consumer.cancel(grace_seconds=5)

    assert [r.status for r in await replies_of(runtime, inbound_id)] == ["delivered"]
    assert await dispatch_statuses(runtime, request.id) == ["answered"]
    assert [(n.reply_status, n.event) for n in heard["inbound"]] == [  # type: ignore[attr-defined]
        ("sent", "reply_status"),
        ("delivered", "reply_status"),
    ]
    assert len(heard["status"]) >= 1


async def _count(heard: dict[str, list[object]]) -> int:
    return len(heard["inbound"]) + len(heard["status"])


async def test_the_embedded_recovery_republishes_replies_still_sent(runtime: Runtime) -> None:
    """The in-process broker loses its queues at a restart: a reply still ``sent`` goes
    again (the worker's result has a deterministic id, the tracker applies it once)."""
    inbound_id, _reply_id = await staged_reply(runtime)
    await Relay(runtime.sessions, runtime.broker).publish_pending()

    assert await republish_in_flight(runtime.sessions, runtime.broker) == 1
    assert [r.status for r in await replies_of(runtime, inbound_id)] == ["sent"]
