"""Who may see an attachment: whoever may see the thread of its message (README "Security",
roles), so that a file never shows more widely than the exchange it belongs to.

- staged (on no message yet): its uploader only;
- a dispatch thread: whoever may see the request (a PCCC unit its own unit's);
- a received request's thread: whoever may see the received request;
- spontaneous information filed in a case: whoever may see the case;
- received spontaneous information not filed yet: desk officers and supervisors.

Anyone else gets 404, as for the thread itself: another unit's file does not even show to
exist. Auditors see the audit log only (403 at the endpoint).
"""

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.attachments import repository
from oss_router.auth.principal import Principal, Role
from oss_router.auth.scope import sees_unit
from oss_router.errors import NotFound
from oss_router.models import Attachment, ExchangeMessage

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.PCCC)
UPLOADERS = READERS
DESK = (Role.OFFICER, Role.SUPERVISOR)


@dataclass(frozen=True)
class Thread:
    """What a consultation of the attachment is logged against (audit/service.py)."""

    request_id: UUID | None = None
    inbound_id: UUID | None = None
    case_id: UUID | None = None
    justification: str | None = None  # the purpose of the exchange, while it is kept


async def visible(
    session: AsyncSession, attachment_id: UUID, principal: Principal
) -> tuple[Attachment, Thread | None]:
    """The attachment and its thread (None while staged) if the principal may see it, else
    404 ``no such attachment``."""
    attachment = await repository.get(session, attachment_id)
    if attachment is None:
        raise _not_found()
    if attachment.message_id is None:
        if attachment.uploaded_by != principal.actor:
            raise _not_found()
        return attachment, None
    message = await repository.message_of(session, attachment.message_id)
    thread = await _thread(session, message, principal) if message is not None else None
    if thread is None:
        raise _not_found()
    return attachment, thread


async def _thread(
    session: AsyncSession, message: ExchangeMessage, principal: Principal
) -> Thread | None:
    """The message's thread if the principal may see it."""
    if principal.role not in READERS:
        return None
    if message.request_id is not None:
        request = await repository.request_of(session, message.request_id)
        if request is None or not sees_unit(principal, request.unit):
            return None
        return Thread(request_id=request.id, justification=request.purpose)
    if message.inbound_id is not None:
        inbound = await repository.inbound_of(session, message.inbound_id)
        if inbound is None or not sees_unit(principal, inbound.unit):
            return None
        return Thread(inbound_id=inbound.id, justification=inbound.purpose)
    if message.case_id is not None:
        case = await repository.case_of(session, message.case_id)
        if case is None or not sees_unit(principal, case.unit):
            return None
        return Thread(case_id=case.id, justification=case.reference)
    # Received spontaneous information not filed in a case yet: the desk's to triage.
    return Thread() if principal.role in DESK else None


def _not_found() -> NotFound:
    return NotFound("no such attachment")
