"""Queries about requests received from partners; the only place that builds them."""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from oss_router.db import ByDialect, any_of
from oss_router.errors import FieldError, ValidationFailed
from oss_router.messages.codes import Channel, InboundStatus
from oss_router.models import (
    CaseFile,
    CaseLink,
    ExchangeRequest,
    InboundEvent,
    InboundRequest,
    dialect,
)

# Answered or refused: nothing left to do, no clock running.
CLOSED_STATUSES = (InboundStatus.ANSWERED, InboundStatus.REFUSED)
# Open and its clock running (a clarification awaited suspends it: Art. 6(3)).
RUNNING_STATUSES = (InboundStatus.RECEIVED, InboundStatus.ASSIGNED)
RELATED_LIMIT = 20


@dataclass(frozen=True)
class InboundFilters:
    status: InboundStatus | None = None
    channel: Channel | None = None
    requesting_country: str | None = None
    overdue: bool | None = None
    assigned_to: str | None = None  # "mine": the caller's subject
    unit: str | None = None  # restricts to one unit's requests (PCCC callers)


async def get(
    session: AsyncSession, inbound_id: UUID, *, lock: bool = False
) -> InboundRequest | None:
    query = select(InboundRequest).where(InboundRequest.id == inbound_id)
    if lock:
        query = dialect.locked(session, query)
    return (await session.execute(query)).scalar_one_or_none()


async def find(
    session: AsyncSession, channel: str, partner_reference: str
) -> InboundRequest | None:
    """The registration of the partner's request (channel, partner_reference), if any."""
    query = select(InboundRequest).where(
        InboundRequest.channel == channel,
        InboundRequest.partner_reference == partner_reference,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def insert_new(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> dict[tuple[str, str], InboundRequest]:
    """Insert the rows in one statement and return those inserted, by (channel,
    partner_reference): a row whose request is registered already is left out.

    ``ON CONFLICT DO NOTHING`` on the unique constraint: of two transactions registering the
    same request at once on PostgreSQL, the second waits for the first and then inserts
    nothing, without an error that would abort its transaction. SQLite serializes whole
    transactions (``BEGIN IMMEDIATE``), so the conflict is only ever with a committed row.
    ``RETURNING`` the whole rows makes the ORM objects in the same round trip.
    """
    if not rows:
        return {}
    returned = (await session.scalars(_INSERT_NEW.of(session), list(rows))).all()
    for request in returned:
        set_committed_value(request, "replies", [])  # a row just inserted has none
    return {(request.channel, request.partner_reference): request for request in returned}


def _insert_new(postgres: bool) -> Insert:
    # Built once, the values bound at execution: building ``.values(**row)`` and its cache
    # key on every registration was about 15 % of the registrar's CPU (decision 0037).
    insert = postgres_insert if postgres else sqlite_insert
    return (
        insert(InboundRequest)
        .on_conflict_do_nothing(index_elements=["channel", "partner_reference"])
        .returning(InboundRequest)
        # A row just inserted has no replies: no SELECT for the mapping's selectin load
        # (``insert_new`` sets the empty list).
        .options(lazyload(InboundRequest.replies))
    )


_INSERT_NEW = ByDialect(_insert_new)


async def events_of(session: AsyncSession, inbound_id: UUID) -> list[InboundEvent]:
    query = (
        select(InboundEvent).where(InboundEvent.inbound_id == inbound_id).order_by(InboundEvent.id)
    )
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class Related:
    """An earlier request about the same subject, as the registration records it."""

    direction: str  # "inbound" or "outgoing"
    id: UUID
    at: datetime  # received (inbound) or created (outgoing)
    status: str
    countries: list[str]  # the requesting state, or the states asked
    channel: str | None
    unit: str | None


async def related_to_subjects(
    session: AsyncSession, subjects: Sequence[tuple[str, str]], limit: int = RELATED_LIMIT
) -> dict[tuple[str, str], list[Related]]:
    """For each (kind, subject fingerprint): the earlier received requests about it, newest
    first, then the outgoing ones (any status), newest first, at most ``limit`` of each; the
    columns the registration keeps. One statement for every subject of a batch, and no ORM
    objects (loading them cost a SELECT more each for their replies and dispatches: decision
    0037)."""
    if not subjects:
        return {}
    parameters = {"fingerprints": sorted({fingerprint for _, fingerprint in subjects})}
    rows = (await session.execute(_RELATED.of(session), parameters | {"limit": limit})).all()
    found: dict[tuple[str, str], list[Related]] = {subject: [] for subject in subjects}
    for direction, kind, fingerprint, id_, at, status, country, countries, channel, unit in rows:
        if (kind, fingerprint) in found:
            listed = [country] if country is not None else list(countries or [])
            found[kind, fingerprint].append(
                Related(direction, id_, at, status, listed, channel, unit)
            )
    return found


def _related(postgres: bool) -> Select[Any]:
    countries_type = ExchangeRequest.target_countries.type
    inbound = _related_part(
        postgres,
        "inbound",
        InboundRequest,
        InboundRequest.received_at,
        country=InboundRequest.requesting_country,
        countries=cast(null(), countries_type),
        channel=InboundRequest.channel,
    )
    outgoing = _related_part(
        postgres,
        "outgoing",
        ExchangeRequest,
        ExchangeRequest.created_at,
        country=cast(null(), String),
        countries=ExchangeRequest.target_countries,
        channel=cast(null(), String),
    )
    both = union_all(inbound, outgoing).subquery()
    # "inbound" sorts before "outgoing": received ones first, each part newest first.
    return (
        select(*(column for column in both.c if column.name != "rank"))
        .where(both.c.rank <= bindparam("limit", type_=Integer))
        .order_by(both.c.direction, both.c.at.desc(), both.c.id.desc())
    )


def _related_part(
    postgres: bool,
    direction: str,
    model: type[InboundRequest] | type[ExchangeRequest],
    at: Any,
    *,
    country: Any,
    countries: Any,
    channel: Any,
) -> Select[Any]:
    """One table's requests about the subjects, ranked newest first within each subject."""
    subject = (model.kind, model.subject_fingerprint)
    return select(
        literal(direction, String).label("direction"),
        model.kind.label("kind"),
        model.subject_fingerprint.label("fingerprint"),
        model.id.label("id"),
        at.label("at"),
        model.status.label("status"),
        country.label("country"),
        countries.label("countries"),
        channel.label("channel"),
        model.unit.label("unit"),
        func.row_number()
        .over(partition_by=subject, order_by=(at.desc(), model.id.desc()))
        .label("rank"),
    ).where(any_of(model.subject_fingerprint, "fingerprints", postgres=postgres))


_RELATED = ByDialect(_related)


async def case_holding(session: AsyncSession, inbound_id: UUID) -> CaseFile | None:
    """The case the received request is filed in, if any (one at most)."""
    held = select(CaseLink.case_id).where(CaseLink.inbound_id == inbound_id)
    return (await session.scalars(select(CaseFile).where(CaseFile.id.in_(held)))).first()


async def cases_holding(
    session: AsyncSession, request_ids: list[UUID], inbound_ids: list[UUID], unit: str | None
) -> list[CaseFile]:
    """The cases (of ``unit`` only, unless None) holding any of these requests, newest first:
    the related-requests match's suggestion of a case (issue 15)."""
    if not request_ids and not inbound_ids:
        return []
    held = select(CaseLink.case_id).where(
        or_(CaseLink.request_id.in_(request_ids), CaseLink.inbound_id.in_(inbound_ids))
    )
    query = select(CaseFile).where(CaseFile.id.in_(held))
    if unit is not None:
        query = query.where(CaseFile.unit == unit)
    query = query.order_by(CaseFile.created_at.desc(), CaseFile.id.desc()).limit(RELATED_LIMIT)
    return list((await session.scalars(query)).all())


def inbound_running() -> ColumnElement[bool]:
    """A received request whose clock runs: open, and not suspended awaiting clarification
    (Directive (EU) 2023/977 Art. 6(3): from the partner's receipt of our question;
    ``lifecycle.clock_stopped`` is the same rule on one row)."""
    return InboundRequest.status.in_([status.value for status in RUNNING_STATUSES]) | (
        (InboundRequest.status == InboundStatus.AWAITING_CLARIFICATION.value)
        & InboundRequest.suspended_at.is_(None)
    )


def _closed_rank() -> ColumnElement[int]:
    """0 while open, 1 once answered or refused: open requests come first."""
    return case(
        (InboundRequest.status.in_([status.value for status in CLOSED_STATUSES]), 1), else_=0
    )


async def list_page(
    session: AsyncSession,
    filters: InboundFilters,
    *,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> tuple[list[InboundRequest], str | None]:
    """Open requests first, by due time (overdue first, then least time left), then the
    closed ones by due time; keyset-paginated on (open or closed, due_at, id), so a page
    never repeats or skips a row that stays put."""
    rank = _closed_rank()
    query = _filtered(select(InboundRequest), filters, now)
    if cursor is not None:
        closed, due_at, inbound_id = decode_cursor(cursor)
        query = query.where(
            or_(
                rank > closed,
                and_(rank == closed, InboundRequest.due_at > due_at),
                and_(
                    rank == closed, InboundRequest.due_at == due_at, InboundRequest.id > inbound_id
                ),
            )
        )
    query = query.order_by(rank, InboundRequest.due_at, InboundRequest.id).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    closed_last = int(InboundStatus(last.status) in CLOSED_STATUSES)
    return rows, encode_cursor(closed_last, last.due_at, last.id)


def _filtered(query: Any, filters: InboundFilters, now: datetime) -> Any:
    if filters.status is not None:
        query = query.where(InboundRequest.status == filters.status.value)
    if filters.channel is not None:
        query = query.where(InboundRequest.channel == filters.channel.value)
    if filters.requesting_country is not None:
        query = query.where(InboundRequest.requesting_country == filters.requesting_country.upper())
    if filters.assigned_to is not None:
        query = query.where(InboundRequest.assigned_to == filters.assigned_to)
    if filters.unit is not None:
        query = query.where(InboundRequest.unit == filters.unit)
    if filters.overdue is not None:
        late = and_(inbound_running(), InboundRequest.due_at < now)
        query = query.where(late if filters.overdue else ~late)
    return query


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(InboundRequest)) or 0)


def encode_cursor(closed: int, due_at: datetime, inbound_id: UUID) -> str:
    raw = f"inbound|{closed}|{due_at.isoformat()}|{inbound_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSOR_MESSAGE = "Use the next_cursor of the previous page: this is not a cursor the service gave."


def decode_cursor(cursor: str) -> tuple[int, datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, closed, due, inbound_id = raw.split("|")
        moment = datetime.fromisoformat(due)
        if prefix != "inbound" or closed not in {"0", "1"} or moment.tzinfo is None:
            raise ValueError(raw)
        return int(closed), moment, UUID(inbound_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this service issued",
            errors=[FieldError("cursor", CURSOR_MESSAGE)],
        ) from None


def ids_of(rows: Sequence[InboundRequest]) -> list[UUID]:
    return [row.id for row in rows]
