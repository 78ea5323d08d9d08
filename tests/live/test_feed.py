"""The gateway's status feed: batched notices from the fan-out exchange reach the hub."""

import uuid
from datetime import UTC, datetime

from tests.outbox.conftest import runtime
from tests.support.polling import eventually

from oss_router.broker.contract import Delivery, OutgoingMessage
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.live.feed import LiveFeed
from oss_router.live.hub import LiveHub
from oss_router.live.notices import publish_notices
from oss_router.messages.codes import RequestStatus
from oss_router.messages.status import StatusNotice
from oss_router.runtime import Runtime

__all__ = ["runtime"]


def notice(status: RequestStatus = RequestStatus.IN_PROGRESS) -> StatusNotice:
    return StatusNotice(request_id=uuid.uuid4(), request_status=status, at=datetime.now(UTC))


async def test_a_batch_is_one_message_and_every_notice_reaches_the_streams_in_order(
    runtime: Runtime,
) -> None:
    hub = LiveHub()
    feed = LiveFeed(runtime, hub)
    await feed.start()
    messages: list[bytes] = []

    async def count(delivery: Delivery) -> None:
        messages.append(delivery.body)
        await delivery.ack()

    await runtime.broker.subscribe(STATUS_EXCHANGE, count)
    sent = [notice(), notice(RequestStatus.ANSWERED), notice(RequestStatus.FAILED)]
    with hub.subscribe() as stream:
        await publish_notices(runtime.broker, sent)
        await eventually(lambda: _size(stream.queue.qsize()), lambda size: size == 3)
        assert [stream.queue.get_nowait() for _ in sent] == sent
    assert len(messages) == 1
    await feed.stop()


async def test_a_lone_notice_of_an_earlier_version_and_a_malformed_body(runtime: Runtime) -> None:
    hub = LiveHub()
    feed = LiveFeed(runtime, hub)
    await feed.start()
    lone = notice()
    with hub.subscribe() as stream:
        for body in (b'{"not": "a notice"}', lone.model_dump_json().encode()):
            await runtime.broker.publish(
                [OutgoingMessage(STATUS_EXCHANGE, "", body, uuid.uuid4().hex, mandatory=False)]
            )
        await eventually(lambda: _size(stream.queue.qsize()), lambda size: size == 1)
        assert stream.queue.get_nowait() == lone
    await feed.stop()


async def _size(size: int) -> int:
    return size
