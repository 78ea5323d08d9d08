"""Intake of one request: the caller's rights, routing, the request with its dispatches, its
timeline and its audit records; replays of an Idempotency-Key. Never commits (the batches of
``request/batching.py`` stage several intakes in one transaction)."""

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal, Role
from oss_router.dispatch.staging import stage_dispatch
from oss_router.errors import Conflict, FieldError, Forbidden, ValidationFailed
from oss_router.messages.codes import RequestStatus
from oss_router.messages.subjects import subject_document
from oss_router.models import CaseFile, CaseLink, Dispatch, ExchangeRequest
from oss_router.request import routing
from oss_router.request.schemas import RequestCreate, RoutingFields, RoutingPreviewQuery
from oss_router.routing.decision import RoutingDecision, RoutingQuery, RoutingWarning
from oss_router.routing.duplicate import subject_fingerprint
from oss_router.routing.policy import RoutingPolicy
from oss_router.row_insert import RowInsert, all_columns, column_values
from oss_router.search.documents import request_text
from oss_router.telemetry import context, metrics
from oss_router.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PayloadT = TypeVar("PayloadT", bound=RequestCreate | RoutingPreviewQuery)

CONCURRENT_KEY = "another request with this Idempotency-Key is being created; retry to get it"


@dataclass(frozen=True)
class CreateOutcome:
    request: ExchangeRequest
    replayed: bool


@dataclass(frozen=True)
class Intake:
    """One ``POST /v1/requests`` as its caller made it."""

    payload: RequestCreate
    principal: Principal
    idempotency_key: str | None
    now: datetime


def decide(policy: RoutingPolicy, payload: RoutingFields, received_at: datetime) -> RoutingDecision:
    """The routing decision, or a 422 problem naming the field (every bad target) at fault."""
    return routing.decide(policy, query_of(payload, received_at))


def query_of(payload: RoutingFields, received_at: datetime) -> RoutingQuery:
    return routing.routing_query(
        payload,
        payload.target_countries,
        received_at,
        preferred_channel=payload.preferred_channel,
        override_reason=payload.override_reason,
    )


def effective_payload(payload: PayloadT, principal: Principal) -> PayloadT:
    """The request as the caller may make it: a routing override is a supervisor right (403);
    PCCC requests concern the border area unless the PCCC says otherwise."""
    if payload.preferred_channel is not None and principal.role is not Role.SUPERVISOR:
        raise Forbidden(
            "a routing override (preferred_channel) needs the supervisor role",
            errors=[FieldError("preferred_channel", "only supervisors may override routing")],
        )
    if principal.role is Role.PCCC and "border_area" not in payload.model_fields_set:
        return cast(PayloadT, payload.model_copy(update={"border_area": True}))
    return payload


NO_OPEN_CASE = "No open case with this id that you may see: pick one from the case list."


def refuse_case(case: CaseFile | None, principal: Principal) -> None:
    """422 naming ``case_id`` unless the case exists, is open and the principal may see it
    (a PCCC: its own unit's, as in ``cases.access``)."""
    visible = case is not None and (
        principal.role is not Role.PCCC
        or (principal.unit is not None and case.unit == principal.unit)
    )
    if case is None or not visible or case.status != "open" or case.purged_at is not None:
        raise ValidationFailed(
            "the request cannot be filed in that case",
            errors=[FieldError("case_id", NO_OPEN_CASE)],
        )


def case_link(request: ExchangeRequest, case_id: uuid.UUID, principal: Principal) -> CaseLink:
    """The one extra row of a request filed in a case as it is made."""
    return CaseLink(
        case_id=case_id,
        request_id=request.id,
        inbound_id=None,
        linked_at=request.created_at,
        linked_by=principal.actor,
    )


def scoped_key(intake: Intake) -> tuple[str, str]:
    """Idempotency-Keys are the caller's own: the same key from two callers is two keys."""
    return intake.principal.subject, intake.idempotency_key or ""


def refuse_concurrent_key(scoped: tuple[str, str], creating: set[tuple[str, str]]) -> None:
    if scoped in creating:
        raise Conflict(CONCURRENT_KEY)
    creating.add(scoped)


def stage_request(uow: UnitOfWork, intake: Intake, decision: RoutingDecision) -> ExchangeRequest:
    """The new request with its dispatches, as objects outside the session: ``insert_new``
    writes them (the response, the metrics and the audit records read the objects)."""
    payload, principal, now = intake.payload, intake.principal, intake.now
    request = _new_request(
        payload, principal, decision, body_hash(payload), intake.idempotency_key, now
    )
    _record_intake(uow, request, principal, now, payload.case_id)
    for position, choice in enumerate(decision.dispatches):
        stage_dispatch(uow, request, position, choice, principal.actor, now)
    return request


# New requests and their dispatches are inserted as rows, not flushed by the ORM: nothing in
# the intake transaction loads them back, and the flush (unit-of-work sort, per-object state,
# one INSERT per table with per-row bookkeeping) was a quarter of an intake of one's Python
# (decision 0034).
_REQUESTS = RowInsert(ExchangeRequest, all_columns(ExchangeRequest))
_DISPATCHES = RowInsert(Dispatch, all_columns(Dispatch))


async def insert_new(session: AsyncSession, requests: Sequence[ExchangeRequest]) -> None:
    """Insert staged requests and their dispatches; two processes creating the same
    Idempotency-Key at once: the one that loses gets the 409 ``Conflict``."""
    if not requests:
        return
    connection = await session.connection()
    dispatches = [dispatch for request in requests for dispatch in request.dispatches]
    try:
        await _REQUESTS.execute(connection, [column_values(r, _REQUESTS.columns) for r in requests])
        await _DISPATCHES.execute(
            connection, [column_values(d, _DISPATCHES.columns) for d in dispatches]
        )
    except IntegrityError:
        raise Conflict(CONCURRENT_KEY) from None


async def flush_case_links(session: AsyncSession, links: Sequence[CaseLink]) -> None:
    """The case links of requests filed in a case as they are made (after ``insert_new``)."""
    if not links:
        return
    session.add_all(links)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(CONCURRENT_KEY) from None


def count_intake(uow: UnitOfWork, request: ExchangeRequest) -> None:
    """Metrics and one log line once the request is committed (no personal data in either)."""
    metrics.count_request(uow, request.kind, request.urgency, request.origin)
    for dispatch in request.dispatches:
        metrics.count_dispatch(uow, request.kind, dispatch.channel, dispatch.status)
    channels = sorted({dispatch.channel for dispatch in request.dispatches})
    request_id = str(request.id)
    kind, count = request.kind, len(request.dispatches)

    def log_accepted() -> None:
        with context.bound(request_id):
            log.info(
                "request %s accepted: %s, %d dispatch(es)",
                request_id,
                kind,
                count,
                extra={"kind": kind, "channels": channels},
            )

    uow.after_commit(log_accepted)


def replay(existing: ExchangeRequest, intake: Intake, records: list[AuditRecord]) -> CreateOutcome:
    if existing.body_hash != body_hash(intake.payload):
        raise Conflict(
            "this Idempotency-Key was already used with a different body",
            errors=[FieldError("Idempotency-Key", "reused with a different request body")],
        )
    actor = Actor.of(intake.principal)
    records += audit.consultations([existing], actor, {"via": "idempotent replay"})
    return CreateOutcome(existing, replayed=True)


def intake_records(
    request: ExchangeRequest, principal: Principal, case_id: uuid.UUID | None = None
) -> list[AuditRecord]:
    actor = Actor.of(principal)
    records = [
        AuditRecord(
            Action.COLLECTION,
            actor,
            request.id,
            request.purpose,
            recipients=audit.recipients(request),
            detail={"origin": request.origin, "kind": request.kind},
        )
    ]
    if case_id is not None:
        records[0].detail["case_id"] = str(case_id)
    if request.preferred_channel:
        records.append(
            AuditRecord(
                Action.ALTERATION,
                actor,
                request.id,
                request.override_reason,
                recipients=audit.recipients(request),
                detail={
                    "operation": "routing_override",
                    "preferred_channel": request.preferred_channel,
                },
            )
        )
    return records


def body_hash(payload: RequestCreate) -> str:
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _new_request(
    payload: RequestCreate,
    principal: Principal,
    decision: RoutingDecision,
    body_hash: str,
    idempotency_key: str | None,
    now: datetime,
) -> ExchangeRequest:
    subject = subject_document(payload.subject)
    return ExchangeRequest(
        id=uuid.uuid4(),
        status=RequestStatus.QUEUED.value,
        kind=payload.kind.value,
        subject=subject,
        subject_fingerprint=subject_fingerprint(payload.kind, subject),
        target_countries=list(payload.target_countries),
        purpose=payload.purpose,
        urgency=payload.urgency.value,
        urgency_ground=payload.urgency_ground.value if payload.urgency_ground else None,
        access_type=payload.access_type.value,
        crime_area=payload.crime_area,
        sis_alert_id=payload.sis_alert_id,
        border_area=payload.border_area,
        handling_code=payload.handling_code.value,
        preferred_channel=payload.preferred_channel.value if payload.preferred_channel else None,
        override_reason=payload.override_reason,
        reference=payload.reference,
        warnings=[_warning_document(warning) for warning in decision.warnings],
        policy_version=decision.policy_version,
        origin="pccc" if principal.role is Role.PCCC else "desk",
        created_by=principal.subject,
        unit=principal.unit,
        idempotency_scope=principal.subject if idempotency_key else None,
        idempotency_key=idempotency_key,
        body_hash=body_hash,
        created_at=now,
        updated_at=now,
        due_at=min(choice.due_at for choice in decision.dispatches),
        # What GET /v1/search matches, in the same insert (no statement of its own).
        search_text=request_text(subject, payload.reference, payload.sis_alert_id),
    )


def _warning_document(warning: RoutingWarning) -> dict[str, Any]:
    return {**warning.details, "code": warning.code, "message": warning.message}


def _record_intake(
    uow: UnitOfWork,
    request: ExchangeRequest,
    principal: Principal,
    now: datetime,
    case_id: uuid.UUID | None,
) -> None:
    detail: dict[str, Any] = {
        "origin": request.origin,
        "target_countries": request.target_countries,
        "policy_version": request.policy_version,
        "warnings": [warning["code"] for warning in request.warnings],
    }
    if case_id is not None:  # filed in a case as it was made: the case's timeline shows it
        detail["case_id"] = str(case_id)
    if request.preferred_channel:
        detail["override"] = {
            "preferred_channel": request.preferred_channel,
            "reason": request.override_reason,
        }
    uow.record_event(
        request_id=request.id,
        type="created",
        actor=principal.actor,
        at=now,
        to_status=RequestStatus.QUEUED.value,
        detail=detail,
    )
