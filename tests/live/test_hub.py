"""The in-process hub: fan-out, unit isolation, dropping slow streams, closing."""

import uuid
from datetime import UTC, datetime

from oss_router.live.hub import LiveEvent, LiveHub
from oss_router.messages.codes import RequestStatus
from oss_router.messages.status import StatusNotice


def event(unit: str | None = None, status: RequestStatus = RequestStatus.QUEUED) -> LiveEvent:
    notice = StatusNotice(request_id=uuid.uuid4(), request_status=status, at=datetime.now(UTC))
    return LiveEvent(notice, unit)


def drain(queue: "object") -> list[object]:
    items = []
    while not queue.empty():  # type: ignore[attr-defined]
        items.append(queue.get_nowait())  # type: ignore[attr-defined]
    return items


def test_every_stream_receives_every_notice_in_order() -> None:
    hub = LiveHub(capacity=10)
    sent = [event(), event(), event()]
    with hub.subscribe() as first, hub.subscribe() as second:
        for item in sent:
            hub.publish(item)
        expected = [item.notice for item in sent]
        assert drain(first.queue) == expected
        assert drain(second.queue) == expected


def test_a_unit_stream_hears_only_its_own_units_requests() -> None:
    hub = LiveHub(capacity=10)
    mine, other, desk = event("pccc-a"), event("pccc-b"), event(None)
    with hub.subscribe("pccc-a") as pccc, hub.subscribe() as officer:
        assert hub.needs_units
        for item in (mine, other, desk):
            hub.publish(item)
        assert drain(pccc.queue) == [mine.notice]
        assert drain(officer.queue) == [mine.notice, other.notice, desk.notice]


def test_a_slow_stream_is_dropped_without_affecting_the_others() -> None:
    hub = LiveHub(capacity=2)
    with hub.subscribe() as slow, hub.subscribe() as fast:
        for _ in range(2):
            hub.publish(event())
        drain(fast.queue)
        hub.publish(event())  # slow's queue is full: it is dropped
        assert slow.dropped
        assert drain(slow.queue) == [None]
        assert hub.size == 1
        assert len(drain(fast.queue)) == 1


def test_leaving_and_closing_unsubscribe() -> None:
    hub = LiveHub()
    with hub.subscribe():
        assert hub.size == 1
    assert hub.size == 0
    with hub.subscribe() as stream:
        hub.close()
        assert drain(stream.queue) == [None]
        assert not stream.dropped
        assert hub.size == 0
