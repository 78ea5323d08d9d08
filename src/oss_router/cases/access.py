"""Who may see and do what with case files: as for requests (README "Security", roles).

Desk officers and supervisors see every case; a PCCC unit sees only its own unit's cases
(another unit's is a 404: it does not even show to exist); auditors see the audit log only
(403). Whoever may see a case may work it (link, unlink, close, reopen).

A message is seen by whoever may see its thread (the request sent or received it is about, a
PCCC unit its own unit's), a message on no thread by whoever may see the case it is in, and a
received message on no thread and in no case (spontaneous information not filed yet) by the
desk only (officers, supervisors), who triage it: as its attachments (attachments/access.py).
"""

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.auth.principal import Principal, Role
from oss_router.cases import repository
from oss_router.errors import NotFound
from oss_router.inbound import access as inbound_access
from oss_router.models import CaseFile, ExchangeMessage
from oss_router.request.reads import may_see as may_see_request

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.PCCC)
WORKERS = READERS


def may_see(case: CaseFile, principal: Principal) -> bool:
    if principal.role is Role.AUDITOR:
        return False
    if principal.role is not Role.PCCC:
        return True
    return principal.unit is not None and case.unit == principal.unit


def visible_to(case: CaseFile | None, principal: Principal) -> CaseFile:
    """The case if the principal may see it, else 404 ``no such case``."""
    if case is None or not may_see(case, principal):
        raise NotFound("no such case")
    return case


def unit_scope(principal: Principal) -> str | None:
    """The only unit whose cases the principal sees (None: every unit; "" for a PCCC token
    without a unit: it sees none)."""
    if principal.role is not Role.PCCC:
        return None
    return principal.unit or ""


DESK = (Role.OFFICER, Role.SUPERVISOR)


async def may_see_message(
    session: AsyncSession, message: ExchangeMessage, principal: Principal
) -> bool:
    if principal.role not in READERS:
        return False
    if message.request_id is not None:
        request = await repository.outgoing_one(session, message.request_id)
        return request is not None and may_see_request(request, principal)
    if message.inbound_id is not None:
        inbound = await repository.incoming_one(session, message.inbound_id)
        return inbound is not None and inbound_access.may_see(inbound, principal)
    if message.case_id is not None:
        case = await repository.get(session, message.case_id)
        return case is not None and may_see(case, principal)
    return principal.role in DESK
