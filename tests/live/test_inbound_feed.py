"""Notices about requests received from partners: a message of their own on the status
exchange (the requests' StatusNotices bodies unchanged), an ``inbound`` SSE frame, and a PCCC
stream hears only of its own unit's received requests."""

import uuid
from datetime import UTC, datetime

from tests.outbox.conftest import runtime
from tests.support.inbound import seed_inbound
from tests.support.polling import eventually

from oss_router.live.feed import LiveFeed
from oss_router.live.hub import LiveHub
from oss_router.live.notices import publish_notices, status_messages
from oss_router.live.stream import sse_frames
from oss_router.messages.codes import InboundStatus, RequestStatus
from oss_router.messages.status import InboundNotice, StatusNotice, StatusNotices
from oss_router.runtime import Runtime

__all__ = ["runtime"]

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def inbound_notice(inbound_id: uuid.UUID | None = None) -> InboundNotice:
    return InboundNotice(
        inbound_id=inbound_id or uuid.uuid4(), status=InboundStatus.ASSIGNED, at=NOW
    )


def test_request_notices_keep_their_wire_form_and_inbound_ones_travel_apart() -> None:
    request = StatusNotice(request_id=uuid.uuid4(), request_status=RequestStatus.QUEUED, at=NOW)
    messages = status_messages([inbound_notice(), request, inbound_notice()])

    assert len(messages) == 2
    first, second = messages
    assert dict(first.headers) == {}
    assert first.body == StatusNotices(notices=[request]).model_dump_json().encode()
    assert dict(second.headers) == {"x-oss-type": "inbound-notices"}


async def test_inbound_notices_reach_the_streams_of_their_unit_only(runtime: Runtime) -> None:
    hub = LiveHub()
    feed = LiveFeed(runtime, hub)
    await feed.start()
    ours = await seed_inbound(runtime, NOW, unit="PCCC Kehl")
    theirs = await seed_inbound(runtime, NOW, unit="PCCC Frankfurt (Oder)")
    with hub.subscribe() as everyone, hub.subscribe("PCCC Kehl") as kehl:
        await publish_notices(runtime.broker, [inbound_notice(ours), inbound_notice(theirs)])
        await eventually(lambda: _size(everyone.queue.qsize()), lambda size: size == 2)
        await eventually(lambda: _size(kehl.queue.qsize()), lambda size: size == 1)
        heard = kehl.queue.get_nowait()
        assert isinstance(heard, InboundNotice)
        assert heard.inbound_id == ours
    await feed.stop()


async def test_an_inbound_notice_is_an_inbound_frame() -> None:
    hub = LiveHub()
    with hub.subscribe() as subscription:
        notice = inbound_notice()
        subscription.offer(notice)
        frames = [
            f async for f in sse_frames(subscription, heartbeat_seconds=0.05, max_seconds=0.2)
        ]
    assert any(f.startswith("event: inbound\n") and notice.model_dump_json() in f for f in frames)


async def _size(size: int) -> int:
    return size
