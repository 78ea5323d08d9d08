"""Messages as the API shows them: one message (a consultation, audited), a filtered list, and
the threads the detail reads of requests and received requests show. Never commits."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.attachments.schemas import to_read as attachment_read
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.conversations import access, repository
from oss_router.conversations.schemas import MessageList, MessageRead, RouteRead
from oss_router.messages.codes import QUESTION_MESSAGE_TYPES, MessageDirection, MessageType
from oss_router.models import Attachment, ExchangeMessage


def href(message_id: UUID) -> str:
    return f"/v1/messages/{message_id}"


def to_read(message: ExchangeMessage, attachments: Sequence[Attachment] = ()) -> MessageRead:
    body = message.body or {}
    route = body.get("route")
    return MessageRead.model_validate(
        {
            **{name: getattr(message, name) for name in _FIELDS},
            "href": href(message.id),
            "text": body.get("text") if message.purged_at is None else None,
            "attachments": [attachment_read(row) for row in attachments],
            "route": RouteRead.model_validate(route) if isinstance(route, dict) else None,
        }
    )


_COMPUTED = {"href", "text", "attachments", "route"}
_FIELDS = [name for name in MessageRead.model_fields if name not in _COMPUTED]


async def reads_of(session: AsyncSession, messages: Sequence[ExchangeMessage]) -> list[MessageRead]:
    files = await repository.attachments_of(session, [message.id for message in messages])
    return [to_read(message, files.get(message.id, [])) for message in messages]


async def get_message(
    session: AsyncSession, message_id: UUID, principal: Principal, now: datetime
) -> MessageRead:
    """One message; reading it is a consultation (LED 2016/680 Art. 25(1))."""
    message = access.visible_to(await repository.get(session, message_id), principal)
    if message.purged_at is None:
        await audit.append(session, [consultation(message, Actor.of(principal))], now)
    return (await reads_of(session, [message]))[0]


def consultation(message: ExchangeMessage, actor: Actor) -> AuditRecord:
    detail: dict[str, object] = {"via": "message", "message_id": str(message.id)}
    if message.case_id is not None:
        detail["case_id"] = str(message.case_id)
    return AuditRecord(
        Action.CONSULTATION,
        actor,
        message.request_id,
        None,
        detail=detail,
        inbound_id=message.inbound_id,
    )


async def list_messages(
    session: AsyncSession,
    filters: repository.MessageFilters,
    principal: Principal,
    now: datetime,
    *,
    limit: int,
    cursor: str | None,
    window: timedelta,
) -> MessageList:
    """A page of messages the principal may see; each row shown is a consultation, logged as
    list rows are (decision 0019): not again for an exchange the same person consulted within
    ``window``."""
    scoped = access.scoped(filters, principal)
    rows, next_cursor = await repository.list_page(session, scoped, limit=limit, cursor=cursor)
    actor = Actor.of(principal)
    records = [consultation(row, actor) for row in rows if row.purged_at is None]
    await audit.append_views(session, records, actor, now, window)
    return MessageList(items=await reads_of(session, rows), next_cursor=next_cursor)


# -- threads of the detail reads --------------------------------------------------------------


@dataclass(frozen=True)
class DispatchConversation:
    """What a dispatch's thread says about it (``DispatchRead``)."""

    messages: int = 0
    follow_up_pending: bool = False  # a question of ours is unanswered
    reminders: int = 0
    last_reminder_at: datetime | None = None
    partner_asks: bool = False  # a question of the partner's waits for our answer


def summaries(messages: Sequence[ExchangeMessage]) -> dict[UUID, DispatchConversation]:
    """Each dispatch's conversation, from its thread's messages."""
    found: dict[UUID, DispatchConversation] = {}
    for message in messages:
        if message.dispatch_id is None:
            continue
        was = found.get(message.dispatch_id, DispatchConversation())
        ours = message.direction == MessageDirection.OUTGOING.value
        reminder = ours and message.type == MessageType.REMINDER.value
        found[message.dispatch_id] = DispatchConversation(
            messages=was.messages + 1,
            follow_up_pending=was.follow_up_pending or (ours and _open_question(message)),
            partner_asks=was.partner_asks or (not ours and _open_question(message)),
            reminders=was.reminders + reminder,
            last_reminder_at=max(
                (
                    moment
                    for moment in (was.last_reminder_at, message.created_at if reminder else None)
                    if moment
                ),
                default=None,
            ),
        )
    return found


def _open_question(message: ExchangeMessage) -> bool:
    return (
        message.type in QUESTION_MESSAGE_TYPES
        and message.answered_at is None
        and message.status != "failed"
    )


def without_answer_unless_asked(
    allowed: Sequence[MessageType], partner_asks: bool
) -> list[MessageType]:
    """``answer`` only while a question of the partner's is open: the API refuses an answer
    that names none, so offering it would be a promise it does not keep."""
    return [kind for kind in allowed if kind is not MessageType.ANSWER or partner_asks]


def partner_asks(messages: Sequence[ExchangeMessage]) -> bool:
    """A question of the partner's on this thread waits for our answer."""
    return any(
        message.direction == MessageDirection.INCOMING.value and _open_question(message)
        for message in messages
    )


async def dispatch_threads(
    session: AsyncSession, dispatch_ids: Sequence[UUID]
) -> list[ExchangeMessage]:
    return await repository.of_dispatches(session, dispatch_ids)


async def inbound_thread(session: AsyncSession, inbound_id: UUID) -> tuple[list[MessageRead], bool]:
    """The received request's thread as shown, and whether the partner asks us something."""
    rows = await repository.of_inbound(session, inbound_id)
    return await reads_of(session, rows), partner_asks(rows)
