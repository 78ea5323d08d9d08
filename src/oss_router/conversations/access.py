"""Who may see a message: whoever may see its thread (README "Security", roles). A message
carries its thread's unit (the request's, the received request's or the case's), so one rule
holds for every thread:

- desk officers and supervisors see every message, spontaneous information not filed in a
  case yet included;
- a PCCC unit sees its own unit's threads only (another unit's message is a 404: it does not
  even show to exist), never information not filed yet (it belongs to no unit);
- auditors see the audit log only (403 at the endpoint).

The same rule decides who may download a message's files (attachments/access.py).
"""

from dataclasses import replace
from typing import TypeVar

from oss_router.auth.principal import Principal, Role
from oss_router.auth.scope import sees_unit
from oss_router.conversations.repository import MessageFilters
from oss_router.errors import NotFound
from oss_router.models import CaseFile, ExchangeMessage, ExchangeRequest, InboundRequest

Scoped = TypeVar("Scoped", ExchangeRequest, InboundRequest, CaseFile)

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.PCCC)
WRITERS = READERS


def may_see(message: ExchangeMessage, principal: Principal) -> bool:
    return principal.role in READERS and sees_unit(principal, message.unit)


def visible_to(message: ExchangeMessage | None, principal: Principal) -> ExchangeMessage:
    if message is None or not may_see(message, principal):
        raise NotFound("no such message")
    return message


def visible_thread(row: Scoped | None, principal: Principal, what: str) -> Scoped:
    """The request, received request or case a message is written on, if the principal may
    see it (else 404 ``no such <what>``): the same rule as their own endpoints."""
    if row is None or principal.role not in READERS or not sees_unit(principal, row.unit):
        raise NotFound(f"no such {what}")
    return row


def scoped(filters: MessageFilters, principal: Principal) -> MessageFilters:
    """The filters narrowed to what the principal may see."""
    if principal.role is not Role.PCCC:
        return filters
    return replace(filters, unit=principal.unit or "")
