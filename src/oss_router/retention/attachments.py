"""The retention purge of attachments: their bytes and their names go when the exchange they
belong to is purged, and so do uploads that no message claimed in time.

LED 2016/680 Art. 4(1)(e), Art. 5: a photograph, a scanned document or a set of fingerprints
is personal data kept no longer than the exchange it came with. An erased attachment keeps its
row (type, size, checksum, who uploaded it, when: what an auditor may need to match a file
shown elsewhere), loses its bytes (the ``attachment_contents`` row is deleted) and its name
(which may name a person), and reads as erased from then on. Each erasure is audited, without
the name. Never commits.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.attachments import repository
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.models import Attachment, ExchangeMessage

ERASED_ATTACHMENT_FIELDS = ["content", "filename"]


async def erase_on_threads(
    session: AsyncSession,
    *,
    actor: Actor,
    now: datetime,
    request_ids: Sequence[UUID] = (),
    inbound_ids: Sequence[UUID] = (),
) -> list[AuditRecord]:
    """Erase the attachments on the messages of requests (or received requests) being purged
    in this transaction; the caller appends the returned records with its own."""
    rows = await repository.on_threads(session, request_ids=request_ids, inbound_ids=inbound_ids)
    await _erase([attachment for attachment, _ in rows], session, now)
    reason = "the exchange it belongs to was purged"
    return [_erasure(attachment, message, actor, reason) for attachment, message in rows]


async def purge_attachments_batch(
    session: AsyncSession,
    *,
    staged_for: timedelta,
    actor: Actor,
    now: datetime,
    batch_size: int = 200,
) -> list[UUID]:
    """Erase up to ``batch_size`` attachments due: on a purged message, request, received
    request or case, or uploaded more than ``staged_for`` ago and never sent."""
    rows = await repository.due_for_erasure(session, now - staged_for, batch_size)
    if not rows:
        return []
    messages = {
        message.id: message
        for message in await repository.messages(
            session, [row.message_id for row in rows if row.message_id is not None]
        )
    }
    await _erase(rows, session, now)
    hours = staged_for.total_seconds() / 3600
    records = [
        _erasure(
            row,
            messages.get(row.message_id) if row.message_id else None,
            actor,
            "the exchange it belongs to was purged"
            if row.message_id
            else f"uploaded and not sent with a message within {hours:g} hours",
        )
        for row in rows
    ]
    await audit.append(session, records, now)
    return [row.id for row in rows]


async def _erase(rows: list[Attachment], session: AsyncSession, now: datetime) -> None:
    await repository.delete_contents(session, [row.id for row in rows])
    for row in rows:
        row.filename = None
        row.purged_at = now


def _erasure(
    attachment: Attachment, message: ExchangeMessage | None, actor: Actor, reason: str
) -> AuditRecord:
    detail: dict[str, object] = {
        "attachment_id": str(attachment.id),
        "attachment_fields": ERASED_ATTACHMENT_FIELDS,
    }
    if message is not None:
        detail["message_id"] = str(message.id)
        if message.case_id is not None:
            detail["case_id"] = str(message.case_id)
    return AuditRecord(
        Action.ERASURE,
        actor,
        message.request_id if message else None,
        f"retention: {reason}",
        detail=detail,
        inbound_id=message.inbound_id if message else None,
    )
