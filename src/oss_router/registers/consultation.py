"""A register check as an audit entry: a consultation (LED 2016/680 Art. 25(1)).

Checking what the national registers hold on a subject is a consultation of those registers'
personal data, logged like opening a request: who, when, why (the justification), with the
registers asked and the records they named. Call within the caller's unit of work, as its
last write (``audit.service.append`` takes the chain-head lock until the commit); run the
check itself *before*, so that no lock is held while the registers answer.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.messages.codes import Kind
from oss_router.registers.service import NationalCheck, check_subject

VIA = "register check"


def check_consultation(
    check: NationalCheck,
    kind: Kind,
    actor: Actor,
    *,
    request_id: UUID | None,
    justification: str | None,
    context: str,
) -> list[AuditRecord]:
    """The audit record of ``check`` (none when no register holds the kind: nothing was
    consulted). ``context`` says where it was made: ``preview``, ``read``, ``inbound``, ..."""
    if not check.registers:
        return []
    detail: dict[str, Any] = {
        "via": VIA,
        "context": context,
        "kind": kind.value,
        "registers": check.registers,
        "unavailable": check.unavailable,
        "hits": [
            {"register": hit.register, "record_reference": hit.record_reference}
            for hit in check.hits
        ],
    }
    return [AuditRecord(Action.CONSULTATION, actor, request_id, justification, detail=detail)]


async def check_and_record(
    session: AsyncSession,
    kind: Kind,
    subject: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    *,
    request_id: UUID | None,
    justification: str | None,
    context: str,
) -> NationalCheck:
    """Check ``subject`` and log the check in ``session``'s transaction (a unit of work's:
    ``uow.session``), as that transaction's audit write. Never commits."""
    check = await check_subject(kind, subject)
    records = check_consultation(
        check, kind, actor, request_id=request_id, justification=justification, context=context
    )
    await audit.append(session, records, now)
    return check
