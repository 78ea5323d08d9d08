"""The retention purge of requests received from partners: erase their personal data once
they are closed for longer than necessary, keep their skeleton.

LED 2016/680 Art. 4(1)(e), Art. 5, as for outgoing requests (``retention/service.py``). A purged
received request keeps its channel, requesting state and authority, partner reference (so that
the partner's same message, sent again, still finds it: registration stays exactly once),
kind, urgency, access type, deadline and basis, status, outcome and refusal ground, and its
timeline's facts (what the Art. 18 statistics count); it loses the subject and its
fingerprint, the partner's purpose, what the national registers held, the related requests
(a link between personal data), its replies' bodies and error texts, their outbox rows, and
every free text on its timeline (answers, questions, reasons). Each erasure is audited
without the erased content. Never commits.
"""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.models import InboundRequest
from oss_router.retention import repository
from oss_router.retention.attachments import erase_on_threads
from oss_router.retention.service import scrub_detail

ERASED_INBOUND_FIELDS = [
    "subject",
    "subject_fingerprint",
    "purpose",
    "national_check",
    "related",
    "search_text",
]
ERASED_REPLY_FIELDS = ["body", "error"]
# Timeline details kept for received requests: facts of channel, deadline and status.
KEPT_INBOUND_EVENT_KEYS = frozenset(
    {
        "source",
        "channel",
        "requesting_country",
        "received_at",
        "due_at",
        "from_due_at",
        "deadline_basis",
        "access_type",
        "from_access_type",
        "access_type_source",
        "related",
        "register_hits",
        "registers_unavailable",
        "reply_type",
        "type",
        "status",
        "attempts",
        "outcome",
        "refusal_ground",
        "ground",
        "expected_by",
        "suspended_seconds",
        "seconds_to_deadline",
        "officer",
        "assigned_to",
    }
)


async def purge_inbound_batch(
    session: AsyncSession,
    *,
    older_than: timedelta,
    actor: Actor,
    now: datetime,
    batch_size: int = 200,
) -> list[UUID]:
    """Purge up to ``batch_size`` received requests closed for longer than ``older_than``."""
    requests = await repository.inbound_due_for_purge(session, now - older_than, batch_size)
    if not requests:
        return []
    ids = [request.id for request in requests]
    for event in await repository.inbound_events_of(session, ids):
        event.detail = scrub_detail(event.detail, [], KEPT_INBOUND_EVENT_KEYS)
    await repository.delete_reply_outbox_rows(
        session, [reply.id for request in requests for reply in request.replies]
    )
    await repository.erase_messages(session, now, inbound_ids=ids)
    for request in requests:
        erase_inbound(request, now)
    records = [_erasure(request, actor, older_than.days) for request in requests]
    records += await erase_on_threads(session, actor=actor, now=now, inbound_ids=ids)
    await audit.append(session, records, now)
    return ids


def erase_inbound(request: InboundRequest, now: datetime) -> None:
    request.subject = None
    request.subject_fingerprint = ""
    request.purpose = None
    request.national_check = None
    request.related = []
    request.search_text = None  # what was erased can no longer be searched for (search/)
    request.purged_at = now
    for reply in request.replies:
        reply.body = None
        reply.error = None


def _erasure(request: InboundRequest, actor: Actor, days: int) -> AuditRecord:
    return AuditRecord(
        Action.ERASURE,
        actor,
        None,
        f"retention period elapsed: closed for more than {days} days",
        detail={
            "inbound_fields": ERASED_INBOUND_FIELDS,
            "reply_fields": ERASED_REPLY_FIELDS,
            "timeline": "free-text details removed",
        },
        inbound_id=request.id,
    )
