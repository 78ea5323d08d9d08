"""The retention purge: erase the personal data of terminal requests, keep their skeleton.

Personal data are kept only as long as necessary (LED 2016/680 Art. 4(1)(e), Art. 5). A purged
request keeps its status, kind, urgency, countries, channels, rules, deadlines, outcomes and
timeline (what the yearly statistics of Directive 2023/977 Art. 18 count), and loses the
subject, purpose, references, answers, error texts and every free text on its timeline. Each
erasure is audited without the erased content. Never commits.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.models import ExchangeRequest
from oss_router.retention import repository
from oss_router.retention.attachments import erase_on_threads
from oss_router.routing.advisories import POSSIBLE_DUPLICATE

ERASED = "[erased]"
PURGED_HASH = "0" * 64
ERASED_REQUEST_FIELDS = [
    "subject",
    "subject_fingerprint",
    "purpose",
    "override_reason",
    "reference",
    "sis_alert_id",
    "idempotency_key",
    "body_hash",
    "search_text",
]
ERASED_DISPATCH_FIELDS = ["answer", "error"]
# Timeline details are kept only for these keys (policy and status facts, no free text).
KEPT_EVENT_KEYS = frozenset(
    {
        "origin",
        "target_countries",
        "policy_version",
        "warnings",
        "channel",
        "country",
        "rule",
        "explanation",
        "due_at",
        "deadline_basis",
        "attempts",
        "outcome",
        "refusal_ground",
        "override",
        "from_channel",
        "replaces",
        "rerouted_to",
        "seconds_to_deadline",
    }
)


async def purge_batch(
    session: AsyncSession,
    *,
    older_than: timedelta,
    actor: Actor,
    now: datetime,
    batch_size: int = 200,
) -> list[UUID]:
    """Purge up to ``batch_size`` requests terminal for longer than ``older_than``."""
    requests = await repository.due_for_purge(session, now - older_than, batch_size)
    if not requests:
        return []
    events = await repository.events_of(session, [request.id for request in requests])
    quoted = {request.id: _quoted(request) for request in requests}
    for event in events:
        # Reasons given on the timeline (cancel, re-route) are quoted in explanations too.
        reason = event.detail.get("reason")
        if isinstance(reason, str) and reason:
            quoted[event.request_id].append(reason)
    for event in events:
        event.detail = scrub_detail(event.detail, quoted[event.request_id])
    await repository.delete_outbox_rows(session, [d.id for r in requests for d in r.dispatches])
    await repository.erase_messages(session, now, request_ids=[r.id for r in requests])
    for request in requests:
        erase(request, now, quoted[request.id])
    days = older_than.days
    records = [_erasure(request, actor, days) for request in requests]
    ids = [request.id for request in requests]
    records += await erase_on_threads(session, actor=actor, now=now, request_ids=ids)
    await audit.append(session, records, now)
    return ids


def erase(request: ExchangeRequest, now: datetime, quoted: list[str]) -> None:
    """Erase the request's personal data in place; ``quoted`` are the texts that explanations
    may quote (see ``_quoted``)."""
    request.subject = None
    request.subject_fingerprint = ""
    request.purpose = None
    request.override_reason = None
    request.reference = None
    request.sis_alert_id = None
    request.idempotency_scope = None
    request.idempotency_key = None
    request.body_hash = PURGED_HASH
    request.search_text = None  # what was erased can no longer be searched for (search/)
    # A possible duplicate says "same person as request X": a link between personal data.
    request.warnings = [w for w in request.warnings if w.get("code") != POSSIBLE_DUPLICATE]
    request.purged_at = now
    for dispatch in request.dispatches:
        dispatch.answer = None
        dispatch.error = None
        dispatch.explanation = _without(dispatch.explanation, quoted)


def scrub_detail(
    detail: dict[str, Any], quoted: list[str], kept_keys: frozenset[str] = KEPT_EVENT_KEYS
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in detail.items():
        if key not in kept_keys:
            continue
        if key == "override" and isinstance(value, dict):
            value = {"preferred_channel": value.get("preferred_channel")}
        if key == "explanation" and isinstance(value, str):
            value = _without(value, quoted)
        kept[key] = value
    erased = sorted(set(detail) - set(kept))
    if erased or "override" in detail:
        kept["erased"] = erased + (["override.reason"] if "override" in detail else [])
    return kept


def _quoted(request: ExchangeRequest) -> list[str]:
    """Request texts that routing explanations quote: the SIS alert id (rule R1) and the
    override reason (routing/override.py)."""
    texts = [request.sis_alert_id, request.override_reason, request.reference]
    return [text for text in texts if text]


def _without(text: str, quoted: list[str]) -> str:
    for secret in sorted(quoted, key=len, reverse=True):
        text = text.replace(secret, ERASED)
    return text


def _erasure(request: ExchangeRequest, actor: Actor, days: int) -> AuditRecord:
    return AuditRecord(
        Action.ERASURE,
        actor,
        request.id,
        f"retention period elapsed: terminal for more than {days} days",
        detail={
            "request_fields": ERASED_REQUEST_FIELDS,
            "dispatch_fields": ERASED_DISPATCH_FIELDS,
            "timeline": "free-text details removed",
        },
    )
