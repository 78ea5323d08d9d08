"""``GET /v1/audit`` (the audit log) and ``GET /v1/audit/verification``: for auditors only."""

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, AwareDatetime

from oss_router.audit import repository
from oss_router.audit import service as audit_service
from oss_router.audit.chain import Anchor
from oss_router.audit.schemas import (
    AuditEntryRead,
    AuditList,
    AuditVerification,
    BadEntry,
    ChainPosition,
)
from oss_router.audit.service import Action
from oss_router.audit.verification import ChainVerifier, Verification
from oss_router.auth.principal import Principal, Role
from oss_router.deps import NowDep, RuntimeDep, SessionDep, require_roles
from oss_router.errors import FieldError, ValidationFailed

router = APIRouter(prefix="/v1", tags=["audit"])

Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR))]


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("Give an instant between the years 1 and 9999.") from None


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


@router.get("/audit", response_model=AuditList)
async def list_audit_entries(
    session: SessionDep,
    _auditor: Auditor,
    request_id: UUID | None = None,
    inbound_id: Annotated[
        UUID | None, Query(description="entries about this request received from a partner")
    ] = None,
    actor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="an actor as logged (role:subject), or a subject alone: that person "
            "under every role; exact and case-sensitive, no partial match",
        ),
    ] = None,
    action: Action | None = None,
    since: Annotated[Instant | None, Query(description="entries at or after")] = None,
    until: Annotated[Instant | None, Query(description="entries before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditList:
    if since is not None and until is not None and since >= until:
        raise ValidationFailed(
            "since must be earlier than until",
            errors=[FieldError("until", "Give an end later than the start (since).")],
        )
    filters = repository.AuditFilters(
        request_id=request_id,
        inbound_id=inbound_id,
        actors=audit_service.actor_names(actor) if actor else (),
        action=action.value if action else None,
        since=since,
        until=until,
    )
    rows, next_cursor = await repository.page(session, filters, limit=limit, cursor=cursor)
    return AuditList(
        items=[AuditEntryRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/audit/verification", response_model=AuditVerification)
async def audit_verification(
    request: Request,
    runtime: RuntimeDep,
    _auditor: Auditor,
    now: NowDep,
    expect_head: Annotated[
        str | None,
        Query(
            pattern=r"^\d{1,18}:[0-9a-f]{64}$",
            description="SEQ:HASH of a head kept elsewhere (as printed by audit verify): "
            "the chain must still contain it; implies a full walk",
        ),
    ] = None,
    full: Annotated[bool, Query(description="walk the whole chain now")] = False,
) -> AuditVerification:
    """The chain's state as ``oss-router audit verify`` computes it (LED 2016/680 Art. 25(2):
    logs used for verifying lawfulness and ensuring integrity)."""
    verifier = _verifier(request, runtime)
    expected = _anchor(expect_head) if expect_head else None
    return _verification_read(await verifier.check(now, expected=expected, full=full), now)


def _verifier(request: Request, runtime: RuntimeDep) -> ChainVerifier:
    # One per gateway process, made at the first call: it keeps the verified prefix.
    verifier: ChainVerifier | None = getattr(request.app.state, "audit_verifier", None)
    if verifier is None or verifier.sessions is not runtime.sessions:
        every = timedelta(minutes=runtime.settings.audit_verify_full_walk_minutes)
        verifier = ChainVerifier(runtime.sessions, every)
        request.app.state.audit_verifier = verifier
    return verifier


def _anchor(value: str) -> Anchor:
    seq, _, digest = value.partition(":")
    return Anchor(int(seq), digest)


def _verification_read(verification: Verification, now: datetime) -> AuditVerification:
    report = verification.report
    empty = report.ok and report.head_seq == 0
    return AuditVerification(
        status="empty" if empty else "intact" if report.ok else "broken",
        entries=report.entries,
        head=None
        if report.head_seq == 0
        else ChainPosition(seq=report.head_seq, hash=report.head_hash),
        first_bad=None
        if report.broken_seq is None
        else BadEntry(seq=report.broken_seq, reason=report.reason or "broken"),
        checked_at=now,
        full_walk_at=verification.full_walk_at,
    )
