"""Registering what partners send in a conversation (registrar/messages.py), on SQLite and
PostgreSQL: once however often it is delivered, on its thread (a dispatch of ours, a request
they sent, or none), an answer marking our question answered, attachments checked and stored,
and a named thread that does not exist kept all the same, saying so."""

import asyncio
import base64
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from oss_router.config import Settings
from oss_router.errors import ValidationFailed
from oss_router.messages.codes import Channel, MessageType
from oss_router.messages.conversation import WireAttachment
from oss_router.messages.inbound import PartnerMessage, partner_message_id
from oss_router.messages.status import InboundNotice, StatusNotice
from oss_router.models import (
    Attachment,
    AttachmentContent,
    AuditEntry,
    CaseFile,
    CaseLink,
    Dispatch,
    ExchangeMessage,
    InboundEvent,
    ProcessedMessage,
    RequestEvent,
)
from oss_router.registrar.messages import Registered, register_message
from oss_router.runtime import Runtime
from oss_router.unit_of_work import UnitOfWork, unit_of_work
from tests.support import attachments as files
from tests.support.attachments import message_row
from tests.support.inbound import seed_inbound
from tests.support.staging import open_runtime, stage_request

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


def incoming(reference: str | None = None, **overrides: Any) -> PartnerMessage:
    """A partner's message from Germany through SIENA (give it a thread with the overrides)."""
    partner_reference = reference or f"SIENA-DE-MSG-{uuid.uuid4().hex[:10]}"
    values: dict[str, Any] = {
        "message_id": partner_message_id(Channel.EUROPOL, partner_reference, "message"),
        "type": "message",
        "message_type": MessageType.ADDITIONAL_INFORMATION,
        "channel": Channel.EUROPOL,
        "partner_reference": partner_reference,
        "text": "The vehicle was seen again at the Kehl crossing on Monday.",
        "requesting_country": "DE",
        "requesting_authority": "BKA Wiesbaden",
        "received_at": NOW - timedelta(minutes=2),
        "correlation_id": f"partner-{partner_reference}",
    }
    values.update(overrides)
    return PartnerMessage(**values)


def wire(content: bytes, **overrides: Any) -> WireAttachment:
    values: dict[str, Any] = {
        "attachment_id": uuid.uuid4(),
        "filename": "photo.png",
        "content_type": "image/png",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": base64.b64encode(content),
    }
    values.update(overrides)
    return WireAttachment(**values)


async def register(runtime: Runtime, message: PartnerMessage) -> tuple[Registered | None, Any]:
    async with unit_of_work(runtime.sessions) as work:
        registered = await register_message(work, message, NOW)
        notices = list(work.notices)
    return registered, notices


async def europol_dispatch(runtime: Runtime) -> Dispatch:
    """A request of ours to Germany through SIENA (the routing's first choice for DE)."""
    request = await stage_request(runtime, target_countries=["DE"])
    [dispatch] = request.dispatches
    return dispatch


async def all_of(runtime: Runtime, model: Any, *where: Any) -> list[Any]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def count(runtime: Runtime, model: Any, *where: Any) -> int:
    async with runtime.sessions() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(query) or 0)


async def add(runtime: Runtime, *rows: Any) -> None:
    async with runtime.sessions() as session:
        session.add_all(rows)
        await session.commit()


async def collections_naming(runtime: Runtime, message_id: UUID) -> list[AuditEntry]:
    entries = await all_of(runtime, AuditEntry)
    return [
        entry
        for entry in entries
        if entry.action == "collection" and entry.detail.get("message_id") == str(message_id)
    ]


async def test_a_message_delivered_twice_is_registered_once(runtime: Runtime) -> None:
    message = incoming()
    first, _ = await register(runtime, message)
    again, notices = await register(runtime, message)
    assert first is not None
    assert again is None
    assert notices == []
    rows = await all_of(runtime, ExchangeMessage)
    assert [row.id for row in rows] == [message.message_id]
    assert len(await collections_naming(runtime, message.message_id)) == 1


async def test_a_message_back_after_the_inbox_forgot_it_finds_its_row(runtime: Runtime) -> None:
    message = incoming()
    await register(runtime, message)
    async with unit_of_work(runtime.sessions) as work:  # the inbox pruned (7 days later)
        await _forget(work, message.message_id)
    again, _ = await register(runtime, message)
    assert again is None
    assert await count(runtime, ExchangeMessage) == 1


async def _forget(work: UnitOfWork, message_id: UUID) -> None:
    row = await work.session.get(ProcessedMessage, message_id)
    assert row is not None
    await work.session.delete(row)


async def test_a_message_about_a_dispatch_of_ours_goes_on_its_thread(runtime: Runtime) -> None:
    dispatch = await europol_dispatch(runtime)
    assert (dispatch.channel, dispatch.country) == ("europol", "DE")
    case_id = uuid.uuid4()
    await add(runtime, _case(case_id))
    link = CaseLink(
        case_id=case_id,
        request_id=dispatch.request_id,
        inbound_id=None,
        linked_at=NOW,
        linked_by="officer:sofia",
    )
    await add(runtime, link)
    message = incoming(our_reference=str(dispatch.id), text="Müller was arrested in Köln.")
    registered, notices = await register(runtime, message)
    assert registered is not None
    assert registered.thread == "dispatch"
    row = registered.message
    assert (row.dispatch_id, row.request_id, row.inbound_id) == (
        dispatch.id,
        dispatch.request_id,
        None,
    )
    assert row.case_id == case_id  # the case the request is filed in
    assert (row.direction, row.status, row.type) == (
        "incoming",
        "received",
        "additional_information",
    )
    assert row.created_by == "partner:europol"
    assert row.received_at == message.received_at
    assert row.partner_message_reference == message.partner_reference
    assert row.error is None
    assert row.search_text is not None
    assert "muller" in row.search_text
    assert "mueller" in row.search_text
    assert "koln" in row.search_text
    [event] = await all_of(runtime, RequestEvent, RequestEvent.type == "message_received")
    assert (event.request_id, event.dispatch_id) == (dispatch.request_id, dispatch.id)
    assert event.detail["message_id"] == str(message.message_id)
    assert event.detail["message_type"] == "additional_information"
    assert event.actor == "partner:europol:DE"
    assert [(type(n), n.event) for n in notices] == [(StatusNotice, "message")]
    [entry] = await collections_naming(runtime, message.message_id)
    assert entry.request_id == dispatch.request_id
    assert entry.detail["from"]["country"] == "DE"
    assert entry.detail["case_id"] == str(case_id)


async def test_a_message_about_a_request_they_sent_goes_on_that_request(runtime: Runtime) -> None:
    inbound_id = await seed_inbound(
        runtime, NOW - timedelta(days=1), partner_reference="DE-REQ-1", unit="PCCC-FR-DE-KEHL"
    )
    message = incoming(in_reply_to="DE-REQ-1", message_type=MessageType.FOLLOW_UP)
    registered, notices = await register(runtime, message)
    assert registered is not None
    assert registered.thread == "inbound"
    row = registered.message
    assert (row.inbound_id, row.dispatch_id, row.request_id) == (inbound_id, None, None)
    assert row.unit == "PCCC-FR-DE-KEHL"  # the thread's unit: only it (and the desk) sees it
    assert row.partner_reference == "DE-REQ-1"
    assert row.type == "follow_up"
    [event] = await all_of(runtime, InboundEvent, InboundEvent.type == "message_received")
    assert event.inbound_id == inbound_id
    assert event.detail["message_type"] == "follow_up"
    assert [(type(n), n.event) for n in notices] == [(InboundNotice, "message")]
    [entry] = await collections_naming(runtime, message.message_id)
    assert entry.inbound_id == inbound_id


async def test_spontaneous_information_is_unfiled_until_an_officer_files_it(
    runtime: Runtime,
) -> None:
    message = incoming(
        message_type=MessageType.SPONTANEOUS,
        legal_basis="Directive (EU) 2023/977 Art. 7(1)",
    )
    registered, notices = await register(runtime, message)
    assert registered is not None
    assert registered.thread == "spontaneous"
    row = registered.message
    assert (row.dispatch_id, row.request_id, row.inbound_id, row.case_id) == (None,) * 4
    assert row.legal_basis == "Directive (EU) 2023/977 Art. 7(1)"
    assert row.error is None
    assert notices == []
    [entry] = await collections_naming(runtime, message.message_id)
    assert entry.justification == "Directive (EU) 2023/977 Art. 7(1)"
    assert entry.detail["thread"] == "spontaneous"


@pytest.mark.parametrize(
    "thread",
    [
        {"our_reference": "not-a-dispatch-id"},
        {"our_reference": str(uuid.uuid4())},
        {"in_reply_to": "DE-NOBODY-KNOWS"},
    ],
)
async def test_a_thread_reference_that_names_nothing_is_kept_and_said(
    runtime: Runtime, thread: dict[str, str]
) -> None:
    message = incoming(**thread)
    registered, _ = await register(runtime, message)
    assert registered is not None
    assert registered.thread == "unknown"
    row = registered.message
    assert (row.dispatch_id, row.request_id, row.inbound_id) == (None, None, None)
    assert row.body == {"text": message.text}  # never dropped
    assert row.error is not None
    assert next(iter(thread.values())) in row.error
    assert row.partner_reference == next(iter(thread.values()))
    assert await count(runtime, RequestEvent, RequestEvent.type == "message_received") == 0


async def test_a_dispatch_of_ours_to_another_state_is_not_its_thread(runtime: Runtime) -> None:
    dispatch = await europol_dispatch(runtime)
    message = incoming(our_reference=str(dispatch.id), requesting_country="FR")
    registered, _ = await register(runtime, message)
    assert registered is not None
    assert registered.thread == "unknown"
    assert registered.message.dispatch_id is None


async def test_an_answer_marks_our_question_answered(runtime: Runtime) -> None:
    dispatch = await europol_dispatch(runtime)
    question = message_row(
        dispatch_id=dispatch.id, request_id=dispatch.request_id, type="follow_up", now=NOW
    )
    await add(runtime, question)
    answer = incoming(
        our_reference=str(dispatch.id),
        message_type=MessageType.ANSWER,
        answers_id=question.id,
        text="Yes: the photograph is attached.",
    )
    registered, _ = await register(runtime, answer)
    assert registered is not None
    assert registered.answered is not None
    assert registered.message.answers_id == question.id
    [asked] = await all_of(runtime, ExchangeMessage, ExchangeMessage.id == question.id)
    assert asked.answered_at == answer.received_at
    # A second answer keeps the first one's time.
    later = incoming(
        our_reference=str(dispatch.id),
        message_type=MessageType.ANSWER,
        answers_id=question.id,
        received_at=NOW - timedelta(seconds=10),
    )
    await register(runtime, later)
    [asked] = await all_of(runtime, ExchangeMessage, ExchangeMessage.id == question.id)
    assert asked.answered_at == answer.received_at


async def test_an_acknowledged_reminder_is_linked_but_asks_nothing(runtime: Runtime) -> None:
    dispatch = await europol_dispatch(runtime)
    reminder = message_row(
        dispatch_id=dispatch.id, request_id=dispatch.request_id, type="reminder", now=NOW
    )
    await add(runtime, reminder)
    ack = incoming(
        our_reference=str(dispatch.id),
        message_type=MessageType.ACKNOWLEDGEMENT,
        answers_id=reminder.id,
    )
    registered, _ = await register(runtime, ack)
    assert registered is not None
    assert registered.answered is None
    assert registered.message.answers_id == reminder.id
    assert registered.message.error is None
    [kept] = await all_of(runtime, ExchangeMessage, ExchangeMessage.id == reminder.id)
    assert kept.answered_at is None


async def test_an_answer_to_a_question_of_another_thread_marks_nothing(runtime: Runtime) -> None:
    mine = await europol_dispatch(runtime)
    other = await europol_dispatch(runtime)
    question = message_row(dispatch_id=other.id, request_id=other.request_id, now=NOW)
    await add(runtime, question)
    answer = incoming(
        our_reference=str(mine.id), message_type=MessageType.ANSWER, answers_id=question.id
    )
    registered, _ = await register(runtime, answer)
    assert registered is not None
    assert registered.answered is None
    assert registered.message.answers_id is None
    assert registered.message.error is not None
    assert str(question.id) in registered.message.error
    [asked] = await all_of(runtime, ExchangeMessage, ExchangeMessage.id == question.id)
    assert asked.answered_at is None


async def test_attachments_are_stored_with_the_message(runtime: Runtime) -> None:
    photo, scan = files.png(1500), files.pdf(900)
    message = incoming(attachments=[wire(photo), wire(scan, filename="scan.pdf")])
    registered, _ = await register(runtime, message)
    assert registered is not None
    assert registered.refused_attachments == []
    stored = await all_of(runtime, Attachment, Attachment.message_id == message.message_id)
    assert sorted(row.content_type for row in stored) == ["application/pdf", "image/png"]
    assert {row.uploaded_by for row in stored} == {"partner:europol"}
    contents = await all_of(runtime, AttachmentContent)
    assert sorted(len(row.content) for row in contents) == [900, 1500]
    [entry] = await collections_naming(runtime, message.message_id)
    assert sorted(entry.detail["attachment_ids"]) == sorted(str(row.id) for row in stored)


async def test_a_damaged_attachment_is_refused_clearly_and_the_text_kept(
    runtime: Runtime,
) -> None:
    photo = files.png(1200)
    damaged = wire(photo, sha256=hashlib.sha256(b"something else").hexdigest())
    message = incoming(attachments=[damaged, wire(files.jpeg(800), filename="ok.jpg")])
    registered, _ = await register(runtime, message)
    assert registered is not None
    [refusal] = registered.refused_attachments
    assert "photo.png" in refusal
    assert "checksum" in refusal
    row = registered.message
    assert row.body == {"text": message.text}
    assert row.error is not None
    assert "checksum" in row.error
    stored = await all_of(runtime, Attachment, Attachment.message_id == message.message_id)
    assert [item.content_type for item in stored] == ["image/jpeg"]


def _case(case_id: UUID) -> CaseFile:
    return CaseFile(
        id=case_id,
        reference=f"NAT-{case_id.hex[:8]}",
        title="Vehicle smuggling ring",
        crime_area="motor_vehicle_crime",
        handling_code="H1",
        owner="sofia",
        unit=None,
        status="open",
        close_reason=None,
        created_at=NOW,
        updated_at=NOW,
        purged_at=None,
        search_text="",
    )


async def test_a_message_the_row_cannot_hold_is_refused_naming_the_fields(
    runtime: Runtime,
) -> None:
    message = incoming("R" * 101, requesting_country="Germany")
    with pytest.raises(ValidationFailed) as refused:
        await register(runtime, message)
    fields = [error.field for error in refused.value.errors]
    assert fields == ["requesting_country", "partner_reference"]
    assert await count(runtime, ExchangeMessage) == 0
    assert await count(runtime, ProcessedMessage) == 0  # not claimed: nothing was registered


async def test_a_long_thread_reference_is_kept_in_full_in_the_error(runtime: Runtime) -> None:
    named = "X" * 150
    registered, _ = await register(runtime, incoming(in_reply_to=named))
    assert registered is not None
    assert registered.message.partner_reference == named[:100]
    assert registered.message.error is not None
    assert named in registered.message.error


async def test_two_registrars_at_once_register_a_message_once(runtime: Runtime) -> None:
    """On PostgreSQL the inbox makes the second wait for the first, then skip it."""
    dispatch = await europol_dispatch(runtime)
    message = incoming(our_reference=str(dispatch.id), attachments=[wire(files.png(600))])
    results = await asyncio.gather(*(register(runtime, message) for _ in range(4)))
    assert sum(registered is not None for registered, _ in results) == 1
    assert await count(runtime, ExchangeMessage) == 1
    assert await count(runtime, Attachment) == 1
    assert await count(runtime, RequestEvent, RequestEvent.type == "message_received") == 1
