"""Handling one partner message in one unit of work. Never commits (the caller's unit of work
does), never consults a register (the caller does that first, outside the transaction).

- A request: claimed in the inbox of processed messages (``tracker/inbox.py``) and registered
  (``inbound.partner.register_partner_messages``: ``register_inbound``, idempotent on
  (channel, partner_reference)).
  Either alone makes a redelivered message register nothing; together a duplicate costs one
  insert that conflicts, and no second "seen again" entry.
- A clarification: ``inbound.reply_results.apply_partner_clarification`` (claims its own id).
- A message of a conversation (issue 15): ``conversations.incoming.register_message`` (claims
  its own id, and its row's id is the message's).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID

from oss_router.inbound.partner import register_partner_messages, registration_from_message
from oss_router.inbound.reply_results import apply_partner_clarification
from oss_router.inbound.schemas import InboundRegistration
from oss_router.messages.inbound import PartnerMessage
from oss_router.registers.service import NationalCheck
from oss_router.registrar.messages import register_message
from oss_router.tracker import inbox
from oss_router.unit_of_work import UnitOfWork

Outcome = Literal[
    "registered",
    "duplicate",
    "clarification",
    "clarification_ignored",
    "message",
    "message_duplicate",
]


def registration_of(message: PartnerMessage) -> InboundRegistration:
    """The registration a partner's request makes; ``ValidationFailed`` naming the fields when
    it cannot be one (the partner sent something our API would refuse too)."""
    return registration_from_message(message)


async def claim_requests(
    work: UnitOfWork, messages: Sequence[PartnerMessage], now: datetime
) -> set[UUID]:
    """The ids of the requests among ``messages`` not processed before, claimed in the inbox
    in one statement for the whole batch (one round trip, not one per message)."""
    ids = [message.message_id for message in messages if message.type == "request"]
    return await inbox.claim(work.session, ids, now) if ids else set()


async def register_requests(
    work: UnitOfWork,
    requests: Sequence[tuple[PartnerMessage, InboundRegistration, NationalCheck | None]],
    now: datetime,
) -> list[Outcome]:
    """Register the requests whose ids this unit of work claimed (``claim_requests``), in
    one lookup of related requests and one insert; each "registered", or "duplicate" when
    its (channel, partner_reference) was registered before."""
    registered = await register_partner_messages(work, requests, now=now)
    return ["registered" if created else "duplicate" for _, created in registered]


async def take_clarification(work: UnitOfWork, message: PartnerMessage, now: datetime) -> Outcome:
    inbound = await apply_partner_clarification(work, message, now)
    return "clarification" if inbound is not None else "clarification_ignored"


async def take_message(work: UnitOfWork, message: PartnerMessage, now: datetime) -> Outcome:
    registered = await register_message(work, message, now)
    return "message" if registered is not None else "message_duplicate"
