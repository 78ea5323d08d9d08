"""A message's delivery as the tracker applies it: queued → sent → delivered | failed, each
step once (a redelivered result changes nothing), on the thread's timeline and announced."""

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select, update

from oss_router.audit.service import Actor
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.conversations import service
from oss_router.conversations.delivery import apply_message_results
from oss_router.conversations.schemas import MessageCreate, SpontaneousCreate
from oss_router.messages.codes import Channel, Kind
from oss_router.messages.conversation import MessageResult, message_result_message_id
from oss_router.messages.status import CaseNotice, StatusNotice
from oss_router.models import (
    CaseFile,
    Dispatch,
    ExchangeMessage,
    ExchangeRequest,
    OutboxMessage,
    RequestEvent,
)
from oss_router.retention.service import purge_batch
from oss_router.runtime import Runtime
from oss_router.unit_of_work import unit_of_work
from tests.support.staging import DESK, open_runtime, stage_request


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


async def staged_follow_up(runtime: Runtime) -> ExchangeMessage:
    request = await stage_request(runtime)
    dispatch_id = request.dispatches[0].id
    async with runtime.sessions() as session:
        await session.execute(
            update(Dispatch).where(Dispatch.id == dispatch_id).values(status="answered")
        )
        await session.commit()
    body = MessageCreate(type="follow_up", text="Any news of the driver?")
    async with unit_of_work(runtime.sessions) as work:
        return await service.send_on_dispatch(work, request.id, dispatch_id, body, DESK, utcnow())


def result(message: ExchangeMessage, status: str = "delivered", replay: int = 0) -> MessageResult:
    return MessageResult(
        message_id=message_result_message_id(message.id, status, replay),  # type: ignore[arg-type]
        exchange_message_id=message.id,
        correlation_id=message.correlation_id,
        channel=Channel(message.channel),
        status=status,  # type: ignore[arg-type]
        partner_message_reference="DE-MSG-1" if status == "delivered" else None,
        error=None if status == "delivered" else "permanent error: unknown reference",
        occurred_at=utcnow(),
    )


async def apply(runtime: Runtime, *results: MessageResult) -> tuple[int, list[object]]:
    async with unit_of_work(runtime.sessions, events_as_rows=True) as work:
        applied = await apply_message_results(work, list(results), utcnow())
        notices = list(work.notices)
    return len(applied), notices


async def row(runtime: Runtime, message_id: UUID) -> ExchangeMessage:
    async with runtime.sessions() as session:
        found = await session.get(ExchangeMessage, message_id)
        assert found is not None
        return found


async def steps(runtime: Runtime, message_id: UUID) -> list[tuple[str | None, str | None, str]]:
    async with runtime.sessions() as session:
        events = (await session.scalars(select(RequestEvent).order_by(RequestEvent.id))).all()
    return [
        (e.from_status, e.to_status, e.actor)
        for e in events
        if e.detail.get("message_id") == str(message_id)
    ]


async def test_the_message_is_staged_with_its_outbox_row(runtime: Runtime) -> None:
    message = await staged_follow_up(runtime)
    async with runtime.sessions() as session:
        outbox = (await session.scalars(select(OutboxMessage))).all()
    (row_,) = [o for o in outbox if o.headers.get("x-oss-type") == "message"]
    assert (row_.routing_key, row_.exchange_message_id) == (message.channel, message.id)
    assert str(message.id) in row_.body.decode()


async def test_delivered_once_however_often_the_result_comes(runtime: Runtime) -> None:
    message = await staged_follow_up(runtime)
    count, notices = await apply(runtime, result(message), result(message))
    assert count == 1
    assert [n.event for n in notices if isinstance(n, StatusNotice)] == ["message"]
    assert (await apply(runtime, result(message)))[0] == 0
    stored = await row(runtime, message.id)
    assert (stored.status, stored.partner_message_reference) == ("delivered", "DE-MSG-1")
    assert await steps(runtime, message.id) == [
        (None, "queued", "officer:desk-officer"),
        ("queued", "sent", "system:relay"),
        ("sent", "delivered", f"channel:{message.channel}"),
    ]


async def test_a_failure_is_kept_and_a_replayed_delivery_still_lands(runtime: Runtime) -> None:
    message = await staged_follow_up(runtime)
    await apply(runtime, result(message, "failed"))
    failed = await row(runtime, message.id)
    assert (failed.status, failed.error) == ("failed", "permanent error: unknown reference")
    assert (await apply(runtime, result(message, "delivered", replay=1)))[0] == 1
    assert (await row(runtime, message.id)).status == "delivered"
    assert (await apply(runtime, result(message, "failed", replay=2)))[0] == 0  # never back


async def test_the_purge_erases_the_text_and_the_outbox_row_with_the_thread(
    runtime: Runtime,
) -> None:
    message = await staged_follow_up(runtime)
    long_ago = utcnow() - timedelta(days=400)
    async with runtime.sessions() as session:
        await session.execute(
            update(ExchangeRequest).values(status="answered", updated_at=long_ago)
        )
        await session.commit()
    async with runtime.sessions() as session:
        erased = await purge_batch(
            session,
            older_than=timedelta(days=30),
            actor=Actor.operator("operator:dpo"),
            now=utcnow(),
        )
        await session.commit()
    assert erased
    stored = await row(runtime, message.id)
    assert (stored.body, stored.search_text) == (None, None)
    assert stored.purged_at is not None
    async with runtime.sessions() as session:
        left = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.exchange_message_id == message.id)
            )
        ).all()
    assert left == []


async def test_spontaneous_information_announces_itself_on_its_case(runtime: Runtime) -> None:
    case = CaseFile(
        id=uuid4(),
        reference="C-77",
        title="Ring",
        crime_area="motor_vehicle_crime",
        handling_code="H0",
        owner="desk-officer",
        unit=None,
        status="open",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    async with runtime.sessions() as session:
        session.add(case)
        await session.commit()
    body = SpontaneousCreate(
        country="DE",
        kind=Kind.VEHICLE,
        text="The ring crosses at night.",
        legal_basis="Directive (EU) 2023/977 Art. 7(1)",
    )
    async with unit_of_work(runtime.sessions) as work:
        message = await service.send_spontaneous(
            work, case.id, body, runtime.policy, DESK, utcnow()
        )
        staged = list(work.notices)
    assert [(type(n), n.case_id) for n in staged] == [(CaseNotice, case.id)]
    _, notices = await apply(runtime, result(message))
    assert [(type(n), n.case_id) for n in notices] == [(CaseNotice, case.id)]
