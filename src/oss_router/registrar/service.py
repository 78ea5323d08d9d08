"""Handling one partner message in one unit of work. Never commits (the caller's unit of work
does), never consults a register (the caller does that first, outside the transaction).

- A request: claimed in the inbox of processed messages (``tracker/inbox.py``) and registered
  (``inbound.registration.register_inbound``, idempotent on (channel, partner_reference)).
  Either alone makes a redelivered message register nothing; together a duplicate costs one
  insert that conflicts, and no second "seen again" entry.
- A clarification: ``inbound.reply_results.apply_partner_clarification`` (claims its own id).
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import TypeAdapter

from oss_router.auth.principal import system_actor
from oss_router.inbound.registration import register_inbound
from oss_router.inbound.reply_results import apply_partner_clarification
from oss_router.inbound.schemas import INBOUND_REGISTRATION, InboundRegistration
from oss_router.messages.inbound import PartnerMessage
from oss_router.registers.service import NationalCheck
from oss_router.tracker import inbox
from oss_router.unit_of_work import UnitOfWork

REGISTRAR = system_actor("registrar")
Outcome = Literal["registered", "duplicate", "clarification", "clarification_ignored"]

# The fields of a partner message that make up a registration (the rest is the wire's own).
REGISTRATION_FIELDS = (
    "channel",
    "partner_reference",
    "requesting_country",
    "requesting_authority",
    "received_at",
    "kind",
    "subject",
    "purpose",
    "urgency",
    "urgency_ground",
    "access_type",
    "language",
    "handling_code",
    "unit",
)
_REGISTRATION: TypeAdapter[InboundRegistration] = INBOUND_REGISTRATION


def registration_of(message: PartnerMessage) -> InboundRegistration:
    """The registration a partner's request makes; ``ValidationError`` when it cannot be one
    (the partner sent something our API would refuse too)."""
    document: dict[str, Any] = message.model_dump(mode="json", include=set(REGISTRATION_FIELDS))
    return _REGISTRATION.validate_python({k: v for k, v in document.items() if v is not None})


async def register_request(
    work: UnitOfWork,
    message: PartnerMessage,
    registration: InboundRegistration,
    check: NationalCheck | None,
    now: datetime,
) -> Outcome:
    if not await inbox.claim(work.session, [message.message_id], now):
        return "duplicate"
    _, created = await register_inbound(
        work,
        registration,
        actor=REGISTRAR,
        source="channel",
        national_check=check,
        now=now,
        correlation_id=message.correlation_id,
    )
    return "registered" if created else "duplicate"


async def take_clarification(work: UnitOfWork, message: PartnerMessage, now: datetime) -> Outcome:
    inbound = await apply_partner_clarification(work, message, now)
    return "clarification" if inbound is not None else "clarification_ignored"
