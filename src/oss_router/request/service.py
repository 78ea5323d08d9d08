"""Intake, reading and cancellation of exchange requests. Never commits."""

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal, Role
from oss_router.db import after_commit
from oss_router.errors import Conflict, FieldError, Forbidden, NotFound, ProblemError, Unroutable
from oss_router.field_messages import as_sentence
from oss_router.live.notices import stage_notice
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.models import Dispatch, ExchangeRequest, RequestEvent
from oss_router.outbox.service import enqueue_dispatch
from oss_router.request import repository, timeline
from oss_router.request.lifecycle import (
    CLOSED_REQUEST_STATUSES,
    current_dispatches,
    derive_request_status,
    is_terminal,
    should_apply,
)
from oss_router.request.schemas import (
    RequestCreate,
    RoutingFields,
    RoutingPreviewQuery,
)
from oss_router.request.subjects import subject_document
from oss_router.routing.decision import (
    DispatchDecision,
    RoutingDecision,
    RoutingQuery,
    RoutingRefused,
    RoutingWarning,
)
from oss_router.routing.duplicate import possible_duplicate_warning, subject_fingerprint
from oss_router.routing.policy import RoutingPolicy
from oss_router.routing.targets import TargetRouting, about_a_target, route_each
from oss_router.telemetry import context, metrics

log = logging.getLogger(__name__)


PayloadT = TypeVar("PayloadT", bound=RequestCreate | RoutingPreviewQuery)


@dataclass(frozen=True)
class CreateOutcome:
    request: ExchangeRequest
    replayed: bool


def routing_query(payload: RoutingFields, received_at: datetime) -> RoutingQuery:
    return RoutingQuery(
        kind=payload.kind,
        target_countries=tuple(payload.target_countries),
        received_at=received_at,
        urgency=payload.urgency,
        urgency_ground=payload.urgency_ground,
        access_type=payload.access_type,
        crime_area=payload.crime_area,
        sis_alert_id=payload.sis_alert_id,
        border_area=payload.border_area,
        preferred_channel=payload.preferred_channel,
        override_reason=payload.override_reason,
    )


def decide(policy: RoutingPolicy, payload: RoutingFields, received_at: datetime) -> RoutingDecision:
    """The routing decision, or a 422 problem naming the field (every bad target) at fault."""
    query = routing_query(payload, received_at)
    try:
        return policy.decide(query)
    except RoutingRefused as refused:
        errors = _target_errors(policy, query) if about_a_target(refused) else []
        raise _unroutable(refused, errors) from None


def _unroutable(refused: RoutingRefused, errors: list[FieldError] | None = None) -> Unroutable:
    errors = errors or [FieldError(refused.field, as_sentence(refused.reason))]
    return Unroutable(refused.reason, errors=errors, rule=refused.rule)


def _target_errors(policy: RoutingPolicy, query: RoutingQuery) -> list[FieldError]:
    try:
        routings = route_each(policy, query)
    except RoutingRefused:
        return []  # a fault of the whole request as well: the first one found stands
    return [
        FieldError(r.refused.field, as_sentence(r.refused.reason)) for r in routings if r.refused
    ]


async def preview(
    session: AsyncSession,
    policy: RoutingPolicy,
    payload: RequestCreate | RoutingPreviewQuery,
    now: datetime,
    principal: Principal,
) -> tuple[RoutingDecision, list[TargetRouting]]:
    """Exactly what creating the request now would decide for its valid targets, without
    storing the request, and the refusal of each bad target; refused (422) like the request
    itself when no target can be routed, or for a fault of the whole request."""
    payload = effective_payload(payload, principal)
    try:
        routings = route_each(policy, routing_query(payload, now))
    except RoutingRefused as refused:  # a fault of the whole request
        raise _unroutable(refused) from None
    routable = [routing.country for routing in routings if routing.dispatch is not None]
    if not routable:
        decide(policy, payload, now)  # raises the 422 naming every target
    valid = payload.model_copy(update={"target_countries": routable})
    decision, matches = await _decide(session, policy, valid, now, principal)
    await audit.append(session, _duplicate_consultations(matches, payload, principal), now)
    return decision, [routing for routing in routings if routing.refused is not None]


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


async def _decide(
    session: AsyncSession,
    policy: RoutingPolicy,
    payload: RequestCreate | RoutingPreviewQuery,
    now: datetime,
    principal: Principal,
) -> tuple[RoutingDecision, list[ExchangeRequest]]:
    decision = decide(policy, payload, now)
    earlier = await _open_requests_like(session, [payload])
    duplicates, matches = _duplicate_warnings(payload, decision, earlier, principal)
    return replace(decision, warnings=decision.warnings + duplicates), matches


@dataclass(frozen=True)
class Intake:
    """One ``POST /v1/requests`` as its caller made it."""

    payload: RequestCreate
    principal: Principal
    idempotency_key: str | None
    now: datetime


async def create_request(
    session: AsyncSession,
    policy: RoutingPolicy,
    payload: RequestCreate,
    principal: Principal,
    *,
    idempotency_key: str | None,
    now: datetime,
) -> CreateOutcome:
    """Validate, route and stage one request (a batch of one: ``create_requests``)."""
    [result] = await create_requests(
        session, policy, [Intake(payload, principal, idempotency_key, now)]
    )
    if isinstance(result, ProblemError):
        raise result
    return result


async def create_requests(
    session: AsyncSession, policy: RoutingPolicy, intakes: Sequence[Intake]
) -> list[CreateOutcome | ProblemError]:
    """Validate, route and stage each request with its dispatches, timeline, outbox rows and
    audit entries (collection, and alteration for a routing override); one outcome, or the
    problem that refused it, per intake, in order.

    The batch costs one statement per step, not one per request: one Idempotency-Key lookup,
    one possible-duplicate lookup, one flush, one audit append (``request/intake.py``). A
    conflict found only at the flush (another process creating the same Idempotency-Key)
    raises ``Conflict`` for the whole batch: the caller retries its requests one by one.
    """
    batch = _IntakeBatch(intakes)
    existing = await repository.find_by_idempotency_keys(session, batch.idempotency_keys())
    batch.route(policy, existing)
    earlier = await _open_requests_like(session, batch.routed_payloads())
    batch.stage(session, earlier)
    await _flush_new_requests(session, batch.staged)
    batch.record_staged(session)
    await audit.append(session, batch.records, batch.now)
    return batch.outcomes()


class _IntakeBatch:
    """The requests of one intake transaction, each with its outcome or refusal so far."""

    def __init__(self, intakes: Sequence[Intake]) -> None:
        self.now = max(intake.now for intake in intakes)
        self.records: list[AuditRecord] = []
        self.staged: list[tuple[int, ExchangeRequest, list[ExchangeRequest]]] = []
        self._results: list[CreateOutcome | ProblemError | None] = [None] * len(intakes)
        self._intakes: dict[int, Intake] = {}  # those still in the running, by position
        self._decisions: dict[int, RoutingDecision] = {}
        for index, intake in enumerate(intakes):
            try:
                payload = effective_payload(intake.payload, intake.principal)
            except ProblemError as refused:
                self._results[index] = refused
                continue
            self._intakes[index] = replace(intake, payload=payload)

    def idempotency_keys(self) -> list[tuple[str, str]]:
        return [_scoped_key(each) for each in self._intakes.values() if each.idempotency_key]

    def route(
        self, policy: RoutingPolicy, existing: dict[tuple[str, str], ExchangeRequest]
    ) -> None:
        """Replays of known keys, refusals of keys twice in the batch, routing decisions."""
        creating: set[tuple[str, str]] = set()
        for index, intake in self._intakes.items():
            try:
                scoped = _scoped_key(intake) if intake.idempotency_key else None
                if scoped in existing:
                    self._results[index] = _replay(existing[scoped], intake, self.records)
                    continue
                if scoped is not None:
                    _refuse_concurrent_key(scoped, creating)
                self._decisions[index] = decide(policy, intake.payload, intake.now)
            except ProblemError as refused:
                self._results[index] = refused

    def routed_payloads(self) -> list[RequestCreate]:
        return [self._intakes[index].payload for index in self._decisions]

    def stage(
        self, session: AsyncSession, earlier: dict["SubjectKey", list[ExchangeRequest]]
    ) -> None:
        for index, decision in self._decisions.items():
            intake = self._intakes[index]
            duplicates, matches = _duplicate_warnings(
                intake.payload, decision, earlier, intake.principal
            )
            decision = replace(decision, warnings=decision.warnings + duplicates)
            self.staged.append((index, _stage_request(session, intake, decision), matches))

    def record_staged(self, session: AsyncSession) -> None:
        """Once flushed: metrics, the status notice and the audit records of each request."""
        for index, request, matches in self.staged:
            intake = self._intakes[index]
            _count_intake(session, request)
            stage_notice(session, request, intake.now)
            self.records += _intake_records(request, intake.principal)
            self.records += _duplicate_consultations(matches, intake.payload, intake.principal)
            self._results[index] = CreateOutcome(request, replayed=False)

    def outcomes(self) -> list[CreateOutcome | ProblemError]:
        return [result for result in self._results if result is not None]


def _scoped_key(intake: Intake) -> tuple[str, str]:
    """Idempotency-Keys are the caller's own: the same key from two callers is two keys."""
    return intake.principal.subject, intake.idempotency_key or ""


def _refuse_concurrent_key(scoped: tuple[str, str], creating: set[tuple[str, str]]) -> None:
    if scoped in creating:
        raise Conflict(CONCURRENT_KEY)
    creating.add(scoped)


CONCURRENT_KEY = "another request with this Idempotency-Key is being created; retry to get it"


def _stage_request(
    session: AsyncSession, intake: Intake, decision: RoutingDecision
) -> ExchangeRequest:
    payload, principal, now = intake.payload, intake.principal, intake.now
    request = _new_request(
        payload, principal, decision, _body_hash(payload), intake.idempotency_key, now
    )
    session.add(request)
    _record_intake(session, request, principal, now)
    for position, choice in enumerate(decision.dispatches):
        stage_dispatch(session, request, position, choice, principal, now)
    return request


async def _flush_new_requests(session: AsyncSession, staged: Sequence[object]) -> None:
    if not staged:
        return
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(CONCURRENT_KEY) from None


def _count_intake(session: AsyncSession, request: ExchangeRequest) -> None:
    """Metrics and one log line once the request is committed (no personal data in either)."""
    metrics.count_request(session, request.kind, request.urgency, request.origin)
    for dispatch in request.dispatches:
        metrics.count_dispatch(session, request.kind, dispatch.channel, dispatch.status)
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

    after_commit(session, log_accepted)


def _replay(existing: ExchangeRequest, intake: Intake, records: list[AuditRecord]) -> CreateOutcome:
    if existing.body_hash != _body_hash(intake.payload):
        raise Conflict(
            "this Idempotency-Key was already used with a different body",
            errors=[FieldError("Idempotency-Key", "reused with a different request body")],
        )
    actor = Actor.of(intake.principal)
    records += audit.consultations([existing], actor, {"via": "idempotent replay"})
    return CreateOutcome(existing, replayed=True)


def _intake_records(request: ExchangeRequest, principal: Principal) -> list[AuditRecord]:
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


def _duplicate_consultations(
    matches: list[ExchangeRequest],
    payload: RequestCreate | RoutingPreviewQuery,
    principal: Principal,
) -> list[AuditRecord]:
    # Naming an earlier request about the same subject discloses it to the caller.
    return [
        AuditRecord(
            Action.CONSULTATION,
            Actor.of(principal),
            match.id,
            payload.purpose,
            detail={"via": "duplicate check"},
        )
        for match in matches
    ]


def _body_hash(payload: RequestCreate) -> str:
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


SubjectKey = tuple[str, str]  # kind, subject fingerprint


def _subject_key(payload: RequestCreate | RoutingPreviewQuery) -> SubjectKey | None:
    if payload.subject is None:
        return None
    return payload.kind.value, subject_fingerprint(payload.kind, subject_document(payload.subject))


async def _open_requests_like(
    session: AsyncSession, payloads: Sequence[RequestCreate | RoutingPreviewQuery]
) -> dict[SubjectKey, list[ExchangeRequest]]:
    """The open requests about the same subjects as ``payloads``, newest first, in one query."""
    keys = {key for key in map(_subject_key, payloads) if key is not None}
    return await repository.open_requests_with_fingerprints(session, sorted(keys))


def _duplicate_warnings(
    payload: RequestCreate | RoutingPreviewQuery,
    decision: RoutingDecision,
    earlier_by_subject: dict[SubjectKey, list[ExchangeRequest]],
    principal: Principal,
) -> tuple[tuple[RoutingWarning, ...], list[ExchangeRequest]]:
    key = _subject_key(payload)
    if key is None:
        return (), []
    # A PCCC learns only of its own unit's requests (another unit's must not even show).
    earlier = [req for req in earlier_by_subject.get(key, []) if _may_see(req, principal)]
    warnings, matches = [], []
    for choice in decision.dispatches:
        country = choice.country
        match = next((req for req in earlier if country in req.target_countries), None)
        if match is not None:
            warnings.append(possible_duplicate_warning(str(match.id), country, choice.channel))
            if match not in matches:
                matches.append(match)
    return tuple(warnings), matches


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
    )


def _warning_document(warning: RoutingWarning) -> dict[str, Any]:
    return {**warning.details, "code": warning.code, "message": warning.message}


def stage_dispatch(
    session: AsyncSession,
    request: ExchangeRequest,
    position: int,
    choice: DispatchDecision,
    principal: Principal,
    now: datetime,
) -> Dispatch:
    """A new dispatch with its ``routed`` event and its outbox row."""
    dispatch = Dispatch(
        id=uuid.uuid4(),
        request_id=request.id,
        position=position,
        channel=choice.channel.value,
        country=choice.country,
        status=DispatchStatus.QUEUED.value,
        rule=choice.rule,
        explanation=choice.explanation,
        due_at=choice.due_at,
        deadline_basis=choice.deadline_basis,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    request.dispatches.append(dispatch)
    timeline.record(
        session,
        request_id=request.id,
        dispatch_id=dispatch.id,
        type="routed",
        actor=principal.actor,
        at=now,
        to_status=DispatchStatus.QUEUED.value,
        detail={
            "channel": dispatch.channel,
            "country": dispatch.country,
            "rule": dispatch.rule,
            "explanation": dispatch.explanation,
            "due_at": dispatch.due_at.isoformat(),
            "deadline_basis": dispatch.deadline_basis,
        },
    )
    enqueue_dispatch(session, dispatch_envelope(request, dispatch), now)
    return dispatch


def dispatch_envelope(request: ExchangeRequest, dispatch: Dispatch) -> DispatchEnvelope:
    """The message that takes this dispatch to its channel (a new message id each time)."""
    return DispatchEnvelope(
        message_id=uuid.uuid4(),
        request_id=request.id,
        dispatch_id=dispatch.id,
        correlation_id=str(request.id),
        channel=dispatch.channel,
        country=dispatch.country,
        kind=request.kind,
        subject=request.subject or {},
        purpose=request.purpose or "",
        urgency=request.urgency,
        handling_code=request.handling_code,
        crime_area=request.crime_area,
        sis_alert_id=request.sis_alert_id,
        reference=request.reference,
        due_at=dispatch.due_at,
        created_at=request.created_at,
    )


def _record_intake(
    session: AsyncSession, request: ExchangeRequest, principal: Principal, now: datetime
) -> None:
    detail: dict[str, Any] = {
        "origin": request.origin,
        "target_countries": request.target_countries,
        "policy_version": request.policy_version,
        "warnings": [warning["code"] for warning in request.warnings],
    }
    if request.preferred_channel:
        detail["override"] = {
            "preferred_channel": request.preferred_channel,
            "reason": request.override_reason,
        }
    timeline.record(
        session,
        request_id=request.id,
        type="created",
        actor=principal.actor,
        at=now,
        to_status=RequestStatus.QUEUED.value,
        detail=detail,
    )


def _may_see(request: ExchangeRequest, principal: Principal) -> bool:
    return principal.role is not Role.PCCC or request.unit == principal.unit


def visible_to(request: ExchangeRequest | None, principal: Principal) -> ExchangeRequest:
    """The request if the principal may see it; a PCCC sees only its own unit's (else 404,
    so that another unit's request does not even show to exist)."""
    if request is None or not _may_see(request, principal):
        raise NotFound("no such request")
    return request


async def get_request(
    session: AsyncSession, request_id: UUID, principal: Principal, now: datetime
) -> tuple[ExchangeRequest, list[RequestEvent]]:
    """The request and its timeline; the reading is a consultation (audited)."""
    request = visible_to(await repository.get(session, request_id), principal)
    events = await repository.events_of(session, request_id)
    consulted = audit.consultations([request], Actor.of(principal), {"via": "read"})
    await audit.append(session, consulted, now)
    return request, events


async def list_requests(
    session: AsyncSession,
    filters: repository.RequestFilters,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    now: datetime,
    consultation_window: timedelta,
) -> tuple[list[ExchangeRequest], str | None]:
    """One page of requests the principal may see; each request shown is logged as consulted,
    at most once per person per ``consultation_window`` (audit.service.append_list_views)."""
    if principal.role is Role.PCCC:
        filters = replace(filters, unit=principal.unit)
    rows, next_cursor = await repository.list_page(
        session, filters, limit=limit, cursor=cursor, now=now
    )
    await audit.append_list_views(session, rows, Actor.of(principal), now, consultation_window)
    return rows, next_cursor


async def cancel_request(
    session: AsyncSession, request_id: UUID, reason: str, principal: Principal, now: datetime
) -> ExchangeRequest:
    """Cancel every dispatch not yet terminal; 409 when the request is answered or cancelled.

    A failed request can be cancelled: giving up is one of the actions a failure asks for, and
    its failed dispatches then need nobody's action (decision 0018).
    Officers cancel the requests they created; supervisors cancel any (403 otherwise)."""
    request = visible_to(await repository.get(session, request_id, lock=True), principal)
    if principal.role is not Role.SUPERVISOR and request.created_by != principal.subject:
        raise Forbidden("only the officer who created a request, or a supervisor, may cancel it")
    if RequestStatus(request.status) in CLOSED_REQUEST_STATUSES:
        raise Conflict(f"request is already {request.status}; it cannot be cancelled")
    cancelled = [
        {"channel": d.channel, "country": d.country}
        for d in request.dispatches
        if not is_terminal(d.status)
    ]
    for dispatch in request.dispatches:
        if not is_terminal(dispatch.status) and should_apply(
            dispatch.status, DispatchStatus.CANCELLED
        ):
            move_dispatch(
                session,
                request,
                dispatch,
                DispatchStatus.CANCELLED,
                principal.actor,
                now,
                {"reason": reason},
            )
    timeline.record(
        session,
        request_id=request.id,
        type="cancel_requested",
        actor=principal.actor,
        at=now,
        detail={"reason": reason},
    )
    refresh_request_status(session, request, principal.actor, now, closed=True)
    stage_notice(session, request, now)
    record = AuditRecord(
        Action.ALTERATION,
        Actor.of(principal),
        request.id,
        reason,
        recipients=cancelled,
        detail={"operation": "cancel"},
    )
    await audit.append(session, [record], now)
    return request


def move_dispatch(
    session: AsyncSession,
    request: ExchangeRequest,
    dispatch: Dispatch,
    target: DispatchStatus,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Apply a transition already checked with ``should_apply`` and put it on the timeline."""
    previous = dispatch.status
    dispatch.status = target.value
    dispatch.updated_at = now
    metrics.count_dispatch(session, request.kind, dispatch.channel, target.value)
    if target is DispatchStatus.ANSWERED and dispatch.answered_at is not None:
        elapsed = (dispatch.answered_at - dispatch.created_at).total_seconds()
        metrics.observe_answer(session, dispatch.channel, elapsed)
    timeline.record(
        session,
        request_id=request.id,
        dispatch_id=dispatch.id,
        type="dispatch_status",
        actor=actor,
        at=now,
        from_status=previous,
        to_status=target.value,
        detail=detail,
    )


def refresh_request_status(
    session: AsyncSession,
    request: ExchangeRequest,
    actor: str,
    now: datetime,
    *,
    closed: bool = False,
) -> None:
    """Re-derive the request's status and due date from its current dispatches; ``closed``
    when the request is being cancelled (a cancelled request stays so)."""
    closed = closed or request.status == RequestStatus.CANCELLED.value
    current = current_dispatches(request.dispatches)
    status = derive_request_status((d.status for d in current), closed=closed)
    pending = [d.due_at for d in request.dispatches if not is_terminal(d.status)]
    request.due_at = min(pending) if pending else None
    request.updated_at = now
    if status.value != request.status:
        timeline.record(
            session,
            request_id=request.id,
            type="request_status",
            actor=actor,
            at=now,
            from_status=request.status,
            to_status=status.value,
        )
        request.status = status.value
