"""Notices about a case's own thread (spontaneous information sent, delivered, filed): a
message of their own on the status exchange, a ``case`` SSE frame, a PCCC stream hearing of
its own unit's cases only; and the conversation code staging them."""

import uuid
from datetime import UTC, datetime

from tests.outbox.conftest import runtime
from tests.support.polling import eventually

from oss_router.live.feed import LiveFeed
from oss_router.live.hub import LiveHub
from oss_router.live.notices import publish_notices, status_messages
from oss_router.live.stream import sse_frames
from oss_router.messages.status import CaseNotice, CaseNotices
from oss_router.models import CaseFile
from oss_router.runtime import Runtime

__all__ = ["runtime"]

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def seed_case(runtime: Runtime, unit: str | None) -> uuid.UUID:
    case = CaseFile(
        id=uuid.uuid4(),
        reference=f"C-{uuid.uuid4().hex[:8]}",
        title="Smuggling ring",
        crime_area="motor_vehicle_crime",
        handling_code="H0",
        owner="o",
        unit=unit,
        status="open",
        created_at=NOW,
        updated_at=NOW,
    )
    async with runtime.sessions() as session:
        session.add(case)
        await session.commit()
    return case.id


def test_case_notices_travel_in_a_message_of_their_own() -> None:
    notice = CaseNotice(case_id=uuid.uuid4(), at=NOW)
    (message,) = status_messages([notice])
    assert dict(message.headers) == {"x-oss-type": "case-notices"}
    assert message.body == CaseNotices(notices=[notice]).model_dump_json().encode()


async def test_case_notices_reach_the_streams_of_their_unit_only(runtime: Runtime) -> None:
    hub = LiveHub()
    feed = LiveFeed(runtime, hub)
    await feed.start()
    ours = await seed_case(runtime, "PCCC Kehl")
    desk = await seed_case(runtime, None)
    with hub.subscribe() as everyone, hub.subscribe("PCCC Kehl") as kehl:
        notices = [CaseNotice(case_id=ours, at=NOW), CaseNotice(case_id=desk, at=NOW)]
        await publish_notices(runtime.broker, notices)
        await eventually(lambda: _size(everyone.queue.qsize()), lambda size: size == 2)
        await eventually(lambda: _size(kehl.queue.qsize()), lambda size: size == 1)
        heard = kehl.queue.get_nowait()
        assert isinstance(heard, CaseNotice)
        assert heard.case_id == ours
    await feed.stop()


async def test_a_case_notice_is_a_case_frame() -> None:
    hub = LiveHub()
    with hub.subscribe() as subscription:
        notice = CaseNotice(case_id=uuid.uuid4(), at=NOW)
        subscription.offer(notice)
        frames = [
            f async for f in sse_frames(subscription, heartbeat_seconds=0.05, max_seconds=0.2)
        ]
    assert any(f.startswith("event: case\n") and notice.model_dump_json() in f for f in frames)


async def _size(size: int) -> int:
    return size
