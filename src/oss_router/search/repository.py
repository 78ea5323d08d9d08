"""The queries of ``GET /v1/search``; the only place that builds them.

One query per kind of thing searched (requests sent, requests received, cases, messages),
each: every word a substring of ``search_text`` (``LIKE '%word%'``: the GIN trigram index
of migration 0011 on PostgreSQL), the caller's unit only for a PCCC, after the cursor,
newest first, at most ``limit + 1`` rows. The service merges them. Only the columns a result
shows are read (no ORM object, so no dispatches loaded with a request).
"""

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.errors import FieldError, ValidationFailed
from oss_router.models import CaseFile, ExchangeMessage, ExchangeRequest, InboundRequest

REQUEST, INBOUND, CASE, MESSAGE = "request", "inbound", "case", "message"
TYPES = (REQUEST, INBOUND, CASE, MESSAGE)


@dataclass(frozen=True, order=True)
class Key:
    """Where a result stands in the merged order: newest first, then type, then id (all
    descending), so that a cursor names one place in all four lists at once."""

    created_at: datetime
    type: str
    id: UUID


@dataclass(frozen=True)
class Hit:
    key: Key
    row: Row[Any]


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]  # search.text.query_words: normalised, no separators
    types: tuple[str, ...]
    unit: str | None  # only this unit's rows (a PCCC; "" sees none); None: every unit
    limit: int
    after: Key | None = None
    ident: UUID | None = None  # a whole id was searched for: its row, by its key


async def search(session: AsyncSession, query: SearchQuery) -> list[Hit]:
    """Up to ``limit + 1`` hits after ``query.after``, merged newest first."""
    hits: list[Hit] = []
    for type_ in TYPES:
        if type_ in query.types:
            statement = statement_for(type_, query)
            hits += [Hit(_key(type_, row), row) for row in (await session.execute(statement))]
    hits.sort(key=lambda hit: hit.key, reverse=True)
    return hits[: query.limit + 1]


def statement_for(type_: str, query: SearchQuery) -> Any:
    table, created, columns = _SHAPES[type_]
    text = table.search_text
    conditions: list[ColumnElement[bool]] = [text.like(f"%{word}%") for word in query.words]
    if query.ident is not None:
        conditions = [table.id == query.ident]
    if query.unit is not None:
        conditions.append(table.unit == query.unit)
    if query.after is not None:
        conditions.append(_after(type_, created, table.id, query.after))
    statement = select(literal(type_).label("type"), table.id, created.label("created_at"))
    return (
        statement.add_columns(*columns)
        .where(*conditions)
        .order_by(created.desc(), table.id.desc())
        .limit(query.limit + 1)
    )


def _after(
    type_: str, created: ColumnElement[datetime], row_id: ColumnElement[UUID], after: Key
) -> ColumnElement[bool]:
    """Rows after the cursor in (created_at, type, id) descending order: the type is the
    same for the whole query, so it decides how the moment of the cursor itself counts."""
    if type_ < after.type:  # this type comes after the cursor's at the same moment
        return created <= after.created_at
    if type_ > after.type:
        return created < after.created_at
    return or_(created < after.created_at, and_(created == after.created_at, row_id < after.id))


def _key(type_: str, row: Row[Any]) -> Key:
    return Key(row.created_at, type_, row.id)


_SHAPES: dict[str, tuple[Any, Any, Sequence[Any]]] = {
    REQUEST: (
        ExchangeRequest,
        ExchangeRequest.created_at,
        (
            ExchangeRequest.kind,
            ExchangeRequest.reference,
            ExchangeRequest.subject,
            ExchangeRequest.status,
            ExchangeRequest.target_countries,
        ),
    ),
    # A received request stands where it arrived (received_at), as in the received list.
    INBOUND: (
        InboundRequest,
        InboundRequest.received_at,
        (
            InboundRequest.kind,
            InboundRequest.partner_reference,
            InboundRequest.subject,
            InboundRequest.status,
            InboundRequest.requesting_country,
            InboundRequest.channel,
        ),
    ),
    CASE: (
        CaseFile,
        CaseFile.created_at,
        (CaseFile.reference, CaseFile.title, CaseFile.status, CaseFile.crime_area),
    ),
    MESSAGE: (
        ExchangeMessage,
        ExchangeMessage.created_at,
        (
            ExchangeMessage.type.label("message_type"),
            ExchangeMessage.direction,
            ExchangeMessage.body,
            ExchangeMessage.country,
            ExchangeMessage.channel,
            ExchangeMessage.status,
        ),
    ),
}


CURSOR_MESSAGE = (
    "Use the next_cursor of the previous page of the same search: this is not a cursor the "
    "service gave for it."
)


def fingerprint(words: Sequence[str], types: Sequence[str]) -> str:
    """What a cursor is bound to: the same words and types (a cursor of another search would
    silently skip results of this one)."""
    return hashlib.sha256(" ".join([*words, "|", *types]).encode()).hexdigest()[:16]


def encode_cursor(key: Key, bound_to: str) -> str:
    raw = f"search|{bound_to}|{key.created_at.isoformat()}|{key.type}|{key.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, bound_to: str) -> Key:
    """The key a cursor names; a 422 naming ``cursor`` for anything this service did not give
    for this search."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, bound, created, type_, row_id = raw.split("|")
        moment = datetime.fromisoformat(created)
        if prefix != "search" or bound != bound_to or type_ not in TYPES or not moment.tzinfo:
            raise ValueError(raw)
        return Key(moment, type_, UUID(row_id))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this service issued for this search",
            errors=[FieldError("cursor", CURSOR_MESSAGE)],
        ) from None
