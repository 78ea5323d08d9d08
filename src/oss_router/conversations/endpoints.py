"""HTTP endpoints of conversations. Thin: they delegate to ``conversations.service``
(sending) and ``conversations.reads`` (reading, audited).

- ``POST /v1/requests/{id}/dispatches/{id}/messages`` and ``.../reminder``: on a dispatch;
- ``POST /v1/inbound/{id}/messages``: on a request received from a partner;
- ``POST /v1/cases/{id}/spontaneous``: spontaneous information (Directive (EU) 2023/977 Art. 7);
- ``GET /v1/messages`` and ``GET /v1/messages/{id}``.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from oss_router.attachments.limits import AttachmentLimits
from oss_router.auth.principal import Principal
from oss_router.conversations import reads, service
from oss_router.conversations.access import READERS, WRITERS
from oss_router.conversations.repository import MessageFilters
from oss_router.conversations.schemas import (
    MessageCreate,
    MessageList,
    MessageRead,
    ReminderCreate,
    SpontaneousCreate,
)
from oss_router.deps import NowDep, PolicyDep, RuntimeDep, SessionDep, UnitOfWorkDep, require_roles
from oss_router.messages.codes import MessageDirection, MessageType

router = APIRouter(prefix="/v1", tags=["conversations"])

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Writer = Annotated[Principal, Depends(require_roles(*WRITERS))]

_SENT: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller's role may not write messages (auditors)"},
    404: {"description": "No such request, dispatch, received request or case (or another unit's)"},
    409: {"description": "The thread does not take this message now; ``errors`` says why"},
    422: {"description": "The body does not fit; ``errors`` names the field"},
}


@router.post(
    "/requests/{request_id}/dispatches/{dispatch_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageRead,
    responses=_SENT,
)
async def send_on_dispatch(
    request_id: UUID,
    dispatch_id: UUID,
    body: MessageCreate,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    principal: Writer,
    now: NowDep,
) -> MessageRead:
    """A follow-up, clarification, additional information, acknowledgement or answer to the
    partner of one dispatch, through its channel; on its way once accepted."""
    message = await service.send_on_dispatch(
        uow, request_id, dispatch_id, body, principal, now, _limits(runtime)
    )
    return (await reads.reads_of(uow.session, [message]))[0]


@router.post(
    "/requests/{request_id}/dispatches/{dispatch_id}/reminder",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageRead,
    responses=_SENT,
)
async def remind(
    request_id: UUID,
    dispatch_id: UUID,
    body: ReminderCreate,
    uow: UnitOfWorkDep,
    principal: Writer,
    now: NowDep,
) -> MessageRead:
    """Remind the partner of an overdue dispatch (at most one reminder an hour)."""
    message = await service.remind(uow, request_id, dispatch_id, body, principal, now)
    return reads.to_read(message)


@router.post(
    "/inbound/{inbound_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageRead,
    responses=_SENT,
)
async def send_on_inbound(
    inbound_id: UUID,
    body: MessageCreate,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    principal: Writer,
    now: NowDep,
) -> MessageRead:
    """A message to the partner whose request we received, once our reply went out."""
    message = await service.send_on_inbound(uow, inbound_id, body, principal, now, _limits(runtime))
    return (await reads.reads_of(uow.session, [message]))[0]


@router.post(
    "/cases/{case_id}/spontaneous",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageRead,
    responses=_SENT,
)
async def send_spontaneous(
    case_id: UUID,
    body: SpontaneousCreate,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    policy: PolicyDep,
    principal: Writer,
    now: NowDep,
) -> MessageRead:
    """Spontaneous information to a partner (Directive (EU) 2023/977 Art. 7), in this case,
    through the channel the routing policy names for such a subject (``route`` says why)."""
    message = await service.send_spontaneous(
        uow, case_id, body, policy, principal, now, _limits(runtime)
    )
    return (await reads.reads_of(uow.session, [message]))[0]


@router.get(
    "/messages",
    response_model=MessageList,
    responses={403: _SENT[403], 422: _SENT[422]},
)
async def list_messages(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    now: NowDep,
    case_id: UUID | None = None,
    request_id: UUID | None = None,
    dispatch_id: UUID | None = None,
    inbound_id: UUID | None = None,
    direction: MessageDirection | None = None,
    type: MessageType | None = None,
    unfiled: Annotated[
        bool | None,
        Query(description="true: spontaneous information received and filed in no case yet"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> MessageList:
    """The messages the caller may see, newest first; keyset pagination (each row audited
    as a consultation, once per person and exchange within the list window)."""
    filters = MessageFilters(
        case_id=case_id,
        request_id=request_id,
        dispatch_id=dispatch_id,
        inbound_id=inbound_id,
        direction=direction,
        type=type,
        unfiled=unfiled,
    )
    window = runtime.settings.audit_list_window
    return await reads.list_messages(
        session, filters, principal, now, limit=limit, cursor=cursor, window=window
    )


@router.get(
    "/messages/{message_id}",
    response_model=MessageRead,
    responses={403: _SENT[403], 404: {"description": "No such message (or another unit's)"}},
)
async def read_message(
    message_id: UUID, session: SessionDep, principal: Reader, now: NowDep
) -> MessageRead:
    """One message with its files' metadata (reading it is audited as a consultation)."""
    return await reads.get_message(session, message_id, principal, now)


def _limits(runtime: Any) -> AttachmentLimits:
    return AttachmentLimits.from_settings(runtime.settings)
