"""Possible duplicates: open requests about the same subject, to the same country. Never
commits; naming an earlier request to the caller is a consultation of it (audited)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.messages.subjects import subject_document
from oss_router.models import ExchangeRequest
from oss_router.request import repository
from oss_router.request.reads import may_see
from oss_router.request.schemas import RequestCreate, RoutingPreviewQuery
from oss_router.routing.decision import RoutingDecision, RoutingWarning
from oss_router.routing.duplicate import possible_duplicate_warning, subject_fingerprint

SubjectKey = tuple[str, str]  # kind, subject fingerprint


def subject_key(payload: RequestCreate | RoutingPreviewQuery) -> SubjectKey | None:
    if payload.subject is None:
        return None
    return payload.kind.value, subject_fingerprint(payload.kind, subject_document(payload.subject))


async def open_requests_like(
    session: AsyncSession, payloads: Sequence[RequestCreate | RoutingPreviewQuery]
) -> dict[SubjectKey, list[ExchangeRequest]]:
    """The open requests about the same subjects as ``payloads``, newest first, in one query."""
    return await repository.open_requests_with_fingerprints(session, _subjects(payloads))


async def known_and_open_like(
    session: AsyncSession,
    scoped_keys: Sequence[tuple[str, str]],
    payloads: Sequence[RequestCreate | RoutingPreviewQuery],
) -> tuple[dict[tuple[str, str], ExchangeRequest], dict[SubjectKey, list[ExchangeRequest]]]:
    """The requests created with these (caller, Idempotency-Key) pairs, and the open requests
    about the same subjects as ``payloads``, in one query."""
    return await repository.known_and_open_like(session, scoped_keys, _subjects(payloads))


def _subjects(payloads: Sequence[RequestCreate | RoutingPreviewQuery]) -> list[SubjectKey]:
    return sorted({key for key in map(subject_key, payloads) if key is not None})


def duplicate_warnings(
    payload: RequestCreate | RoutingPreviewQuery,
    decision: RoutingDecision,
    earlier_by_subject: dict[SubjectKey, list[ExchangeRequest]],
    principal: Principal,
) -> tuple[tuple[RoutingWarning, ...], list[ExchangeRequest]]:
    key = subject_key(payload)
    if key is None:
        return (), []
    # A PCCC learns only of its own unit's requests (another unit's must not even show).
    earlier = [req for req in earlier_by_subject.get(key, []) if may_see(req, principal)]
    warnings, matches = [], []
    for choice in decision.dispatches:
        country = choice.country
        match = next((req for req in earlier if country in req.target_countries), None)
        if match is not None:
            warnings.append(possible_duplicate_warning(str(match.id), country, choice.channel))
            if match not in matches:
                matches.append(match)
    return tuple(warnings), matches


def duplicate_consultations(
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
