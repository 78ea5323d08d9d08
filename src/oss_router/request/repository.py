"""Queries about exchange requests; the only place that builds them."""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from oss_router.dispatch.lifecycle import TERMINAL, TERMINAL_REQUEST_STATUSES
from oss_router.errors import FieldError, ValidationFailed
from oss_router.messages.codes import Channel, Kind, RequestStatus
from oss_router.models import CaseFile, CaseLink, Dispatch, ExchangeRequest, RequestEvent, dialect

OPEN_REQUEST_STATUSES = [
    status.value for status in RequestStatus if status not in TERMINAL_REQUEST_STATUSES
]


@dataclass(frozen=True)
class RequestFilters:
    status: RequestStatus | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    country: str | None = None
    overdue: bool | None = None
    unit: str | None = None  # restricts to one unit's requests (PCCC callers)


async def get(
    session: AsyncSession, request_id: UUID, *, lock: bool = False
) -> ExchangeRequest | None:
    query = select(ExchangeRequest).where(ExchangeRequest.id == request_id)
    if lock:
        query = dialect.locked(session, query)
        return (await session.execute(query)).scalar_one_or_none()
    # The request and its dispatches from ONE statement, so one snapshot: loaded in two (the
    # relationship's selectin), a tracker commit between them could show a request still
    # "in_progress" beside the dispatch that failed it. (A locked read needs no such care: the
    # lock keeps the tracker out, and FOR UPDATE refuses the outer join.)
    query = query.options(joinedload(ExchangeRequest.dispatches))
    return (await session.execute(query)).unique().scalar_one_or_none()


async def unit_of(session: AsyncSession, request_id: UUID) -> str | None:
    """The unit that submitted the request (None: a desk request, or no such request)."""
    query = select(ExchangeRequest.unit).where(ExchangeRequest.id == request_id)
    return (await session.execute(query)).scalar_one_or_none()


async def events_of(session: AsyncSession, request_id: UUID) -> list[RequestEvent]:
    query = (
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    )
    return list((await session.scalars(query)).all())


async def case_holding(session: AsyncSession, request_id: UUID) -> CaseFile | None:
    """The case the request is filed in, if any (a request is in one case at most)."""
    held = select(CaseLink.case_id).where(CaseLink.request_id == request_id)
    return (await session.scalars(select(CaseFile).where(CaseFile.id.in_(held)))).first()


async def cases_by_ids(session: AsyncSession, case_ids: Sequence[UUID]) -> dict[UUID, CaseFile]:
    """The cases named by new requests' ``case_id`` (one query for a whole intake batch)."""
    if not case_ids:
        return {}
    query = select(CaseFile).where(CaseFile.id.in_(sorted(set(case_ids))))
    return {case.id: case for case in (await session.scalars(query)).all()}


async def find_by_idempotency_keys(
    session: AsyncSession, scoped_keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], ExchangeRequest]:
    """The requests created with these (caller, Idempotency-Key) pairs, in one query."""
    if not scoped_keys:
        return {}
    columns = tuple_(ExchangeRequest.idempotency_scope, ExchangeRequest.idempotency_key)
    query = select(ExchangeRequest).where(columns.in_(sorted(set(scoped_keys))))
    return {
        (request.idempotency_scope or "", request.idempotency_key or ""): request
        for request in (await session.scalars(query)).all()
    }


async def open_requests_with_fingerprints(
    session: AsyncSession, subjects: Sequence[tuple[str, str]], limit: int = 20
) -> dict[tuple[str, str], list[ExchangeRequest]]:
    """Open requests about each (kind, subject fingerprint), the newest ``limit`` per subject
    and newest first, in one query."""
    if not subjects:
        return {}
    ranked = _open_like(subjects, limit)
    query = (
        select(ExchangeRequest)
        .join(ranked, ranked.c.id == ExchangeRequest.id)
        .order_by(ExchangeRequest.created_at.desc())
    )
    return _by_subject((await session.scalars(query)).all())


async def known_and_open_like(
    session: AsyncSession,
    scoped_keys: Sequence[tuple[str, str]],
    subjects: Sequence[tuple[str, str]],
    limit: int = 20,
) -> tuple[dict[tuple[str, str], ExchangeRequest], dict[tuple[str, str], list[ExchangeRequest]]]:
    """``find_by_idempotency_keys`` and ``open_requests_with_fingerprints`` in one query (one
    round trip, one statement: an intake transaction's first, decision 0027): the two sets of
    ids as a ``UNION ALL``, each row tagged with the set it came from."""
    if not scoped_keys and not subjects:
        return {}, {}
    # The statement is built once per shape (decision 0033): building and hashing it per
    # call was about half the lookup's CPU in an intake of one.
    query = _KNOWN_AND_LIKE[(bool(scoped_keys), bool(subjects))]
    parameters: dict[str, object] = {"limit": limit}
    if scoped_keys:
        parameters["scoped_keys"] = sorted(set(scoped_keys))
    if subjects:
        parameters["subjects"] = sorted(set(subjects))
        parameters["open_statuses"] = OPEN_REQUEST_STATUSES
    rows = (await session.execute(query, parameters)).all()
    known = {
        (request.idempotency_scope or "", request.idempotency_key or ""): request
        for request, tag in rows
        if tag == _KNOWN
    }
    return known, _by_subject([request for request, tag in rows if tag == _LIKE])


_KNOWN, _LIKE = 0, 1  # which lookup of known_and_open_like found a row


def _open_like(subjects: Sequence[tuple[str, str]], limit: int) -> Subquery:
    """Ids of the newest ``limit`` open requests per (kind, subject fingerprint)."""
    return _ranked_open_like(sorted(set(subjects)), OPEN_REQUEST_STATUSES, limit)


def _ranked_open_like(subjects: Any, statuses: Any, limit: Any) -> Subquery:
    """``_open_like`` with its values given as they are or as bound parameters."""
    subject = (ExchangeRequest.kind, ExchangeRequest.subject_fingerprint)
    ranked = (
        select(
            ExchangeRequest.id,
            func.row_number()
            .over(partition_by=subject, order_by=ExchangeRequest.created_at.desc())
            .label("rank"),
        )
        .where(tuple_(*subject).in_(subjects), ExchangeRequest.status.in_(statuses))
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rank <= limit).subquery()


def _known_and_like(with_keys: bool, with_subjects: bool) -> Select[ExchangeRequest, int]:
    """The statement of ``known_and_open_like`` for one shape, its lists bound at execution
    (expanding parameters: one compiled form, a list of any length)."""
    branches: list[Select[UUID, int]] = []
    if with_keys:
        columns = tuple_(ExchangeRequest.idempotency_scope, ExchangeRequest.idempotency_key)
        branches.append(
            select(ExchangeRequest.id, literal(_KNOWN).label("found")).where(
                columns.in_(bindparam("scoped_keys", expanding=True))
            )
        )
    if with_subjects:
        ranked = _ranked_open_like(
            bindparam("subjects", expanding=True),
            bindparam("open_statuses", expanding=True),
            bindparam("limit", type_=Integer),
        )
        branches.append(select(ranked.c.id, literal(_LIKE).label("found")))
    found = (branches[0] if len(branches) == 1 else union_all(*branches)).subquery()
    return (
        select(ExchangeRequest, found.c.found)
        .join(found, found.c.id == ExchangeRequest.id)
        .order_by(ExchangeRequest.created_at.desc())
    )


_KNOWN_AND_LIKE = {
    shape: _known_and_like(*shape) for shape in ((True, True), (True, False), (False, True))
}


def _by_subject(
    requests: Sequence[ExchangeRequest],
) -> dict[tuple[str, str], list[ExchangeRequest]]:
    found: dict[tuple[str, str], list[ExchangeRequest]] = {}
    for request in requests:
        found.setdefault((request.kind, request.subject_fingerprint or ""), []).append(request)
    return found


async def dispatch(session: AsyncSession, dispatch_id: UUID) -> Dispatch | None:
    return await session.get(Dispatch, dispatch_id)


async def list_page(
    session: AsyncSession, filters: RequestFilters, *, limit: int, cursor: str | None, now: datetime
) -> tuple[list[ExchangeRequest], str | None]:
    """Newest first, keyset-paginated on (created_at, id)."""
    query = _filtered(select(ExchangeRequest), filters, now)
    if cursor is not None:
        created_at, request_id = decode_cursor(cursor)
        query = query.where(
            or_(
                ExchangeRequest.created_at < created_at,
                and_(ExchangeRequest.created_at == created_at, ExchangeRequest.id < request_id),
            )
        )
    query = query.order_by(ExchangeRequest.created_at.desc(), ExchangeRequest.id.desc()).limit(
        limit + 1
    )
    rows = list((await session.scalars(query)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id)


def _filtered(
    query: Select[ExchangeRequest], filters: RequestFilters, now: datetime
) -> Select[ExchangeRequest]:
    if filters.status is not None:
        query = query.where(ExchangeRequest.status == filters.status.value)
    if filters.kind is not None:
        query = query.where(ExchangeRequest.kind == filters.kind.value)
    if filters.unit is not None:
        query = query.where(ExchangeRequest.unit == filters.unit)
    dispatch_conditions: list[ColumnElement[bool]] = []
    if filters.channel is not None:
        dispatch_conditions.append(Dispatch.channel == filters.channel.value)
    if filters.country is not None:
        dispatch_conditions.append(Dispatch.country == filters.country.upper())
    if dispatch_conditions:
        query = query.where(_has_dispatch(*dispatch_conditions))
    if filters.overdue is not None:
        late = _has_dispatch(Dispatch.due_at < now, Dispatch.status.not_in(_terminal()))
        query = query.where(late if filters.overdue else ~late)
    return query


def _terminal() -> list[str]:
    return [status.value for status in TERMINAL]


def _has_dispatch(*conditions: ColumnElement[bool]) -> Exists:
    return exists().where(Dispatch.request_id == ExchangeRequest.id, *conditions)


def encode_cursor(created_at: datetime, request_id: UUID) -> str:
    raw = f"{created_at.isoformat()}|{request_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSOR_MESSAGE = "Use the next_cursor of the previous page: this is not a cursor the service gave."


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, request_id = raw.split("|")
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("naive cursor")
        return moment, UUID(request_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this service issued",
            errors=[FieldError("cursor", CURSOR_MESSAGE)],
        ) from None
