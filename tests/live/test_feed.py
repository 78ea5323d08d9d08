"""The gateway's status feed: batched notices from the fan-out exchange reach the hub."""

import asyncio
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


async def test_the_exchange_is_consumed_only_while_a_stream_listens(runtime: Runtime) -> None:
    """No screen open: no copy of each notice for this gateway (decision 0035). The last stream
    to end closes the subscription after the grace; the next one opens it again."""
    hub = LiveHub()
    feed = LiveFeed(runtime, hub, idle_seconds=0.05)
    assert not feed.consuming
    await feed.start()
    with feed.listening() as stream:
        await publish_notices(runtime.broker, [first := notice()])
        await eventually(lambda: _size(stream.queue.qsize()), lambda size: size == 1)
        assert stream.queue.get_nowait() == first
    assert feed.consuming  # within the grace: a reconnecting client finds it open
    await eventually(lambda: _consuming(feed), lambda consuming: not consuming)
    await publish_notices(runtime.broker, [notice()])  # heard by nobody, queued nowhere
    await feed.start()
    with feed.listening() as stream:
        await publish_notices(runtime.broker, [later := notice()])
        await eventually(lambda: _size(stream.queue.qsize()), lambda size: size == 1)
        assert stream.queue.get_nowait() == later
    await feed.stop()
    assert not feed.consuming


async def test_a_stream_within_the_grace_keeps_the_subscription(runtime: Runtime) -> None:
    hub = LiveHub()
    feed = LiveFeed(runtime, hub, idle_seconds=0.2)
    await feed.start()
    with feed.listening():
        pass
    await feed.start()  # a client reconnecting at once
    with feed.listening() as stream:
        await asyncio.sleep(0.3)  # past the first stream's grace
        assert feed.consuming
        await publish_notices(runtime.broker, [sent := notice()])
        await eventually(lambda: _size(stream.queue.qsize()), lambda size: size == 1)
        assert stream.queue.get_nowait() == sent
    await feed.stop()


async def _consuming(feed: LiveFeed) -> bool:
    return feed.consuming
