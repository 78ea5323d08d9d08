"""One search over everything the bureau holds: requests sent and received, cases, messages.

What the caller may find is what the caller may read: officers and supervisors everything, a
PCCC only its own unit's (rows of another unit are not found at all), auditors nothing (403 at
the endpoint: they see the audit log only). A search is a consultation (LED 2016/680
Art. 25(1)): one audit entry per search, naming who searched, when, the words searched for
(they may name a person) and the results shown. Never commits.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal, Role
from oss_router.errors import FieldError, ValidationFailed
from oss_router.search import repository
from oss_router.search.repository import CASE, INBOUND, MESSAGE, REQUEST, TYPES, Hit
from oss_router.search.schemas import SearchItem, SearchResults
from oss_router.search.text import query_words

MAX_QUERY = 200  # characters of q
MAX_WORDS = 8
# A word shorter than this cannot use the trigram index (pg_trgm needs three characters of a
# LIKE pattern): a search needs at least one word this long; shorter ones only narrow it.
INDEXED_WORD = 3
SUMMARY = 160  # characters of a message's text shown in its summary

NO_WORDS = "Type at least one word of three or more letters or digits."
TOO_MANY = f"Search for at most {MAX_WORDS} words at once."
TOO_SHORT = (
    "Include at least one word of three or more letters or digits: shorter words only "
    "narrow a search."
)


def search_words(q: str) -> tuple[str, ...]:
    """The words ``q`` searches for, or a 422 naming ``q`` when it cannot be searched
    (nothing to look for, more than ``MAX_WORDS`` words, no word of ``INDEXED_WORD``)."""
    words = tuple(dict.fromkeys(query_words(q)))
    if not words:
        raise _bad_q("the search names nothing to look for", NO_WORDS)
    if len(words) > MAX_WORDS:
        raise _bad_q("the search has too many words", TOO_MANY)
    if max(len(word) for word in words) < INDEXED_WORD:
        raise _bad_q("the search has no word of three characters", TOO_SHORT)
    return words


def _as_id(q: str) -> UUID | None:
    try:
        return UUID(q.strip())
    except ValueError:
        return None


def _bad_q(title: str, message: str) -> ValidationFailed:
    return ValidationFailed(title, errors=[FieldError("q", message)])


def unit_scope(principal: Principal) -> str | None:
    """The only unit whose rows the principal finds (None: every unit), as every read of
    requests, received requests, cases and messages scopes a PCCC (a PCCC token without a
    unit finds nothing)."""
    if principal.role is not Role.PCCC:
        return None
    return principal.unit or ""


async def search(
    session: AsyncSession,
    principal: Principal,
    q: str,
    *,
    types: Sequence[str],
    limit: int,
    cursor: str | None,
    now: datetime,
) -> SearchResults:
    """One page of results, newest first, and its audit entry. A whole id (a request's, a
    case's, ...) finds what has that id."""
    ident = _as_id(q)
    words = (str(ident),) if ident is not None else search_words(q)
    chosen = tuple(type_ for type_ in TYPES if type_ in types) if types else TYPES
    bound_to = repository.fingerprint(words, chosen)
    after = repository.decode_cursor(cursor, bound_to) if cursor is not None else None
    scope = unit_scope(principal)
    query = repository.SearchQuery(() if ident else words, chosen, scope, limit, after, ident=ident)
    hits = await repository.search(session, query)
    page = hits[:limit]
    next_cursor = repository.encode_cursor(page[-1].key, bound_to) if len(hits) > limit else None
    await audit.append(session, [_consultation(principal, q, words, chosen, page)], now)
    return SearchResults(items=[to_item(hit) for hit in page], next_cursor=next_cursor)


def _consultation(
    principal: Principal,
    q: str,
    words: Sequence[str],
    types: Sequence[str],
    page: Sequence[Hit],
) -> AuditRecord:
    """Who searched for what, and what they were shown: the query as typed (it may name a
    person, which is why it belongs here and in no application log)."""
    detail: dict[str, Any] = {
        "via": "search",
        "query": q,
        "words": list(words),
        "types": list(types),
        "results": [{"type": hit.key.type, "id": str(hit.key.id)} for hit in page],
    }
    return AuditRecord(Action.CONSULTATION, Actor.of(principal), None, None, detail=detail)


def to_item(hit: Hit) -> SearchItem:
    row, type_ = hit.row, hit.key.type
    title, summary, href = _DESCRIBE[type_](row)
    return SearchItem(
        type=type_, id=row.id, title=title, summary=summary, created_at=row.created_at, href=href
    )


def _request(row: Any) -> tuple[str, str, str]:
    label = row.reference or str(row.id)[:8]
    countries = ", ".join(row.target_countries or [])
    summary = _joined(
        subject_summary(row.subject), f"to {countries}" if countries else "", row.status
    )
    return f"{row.kind} request {label}", summary, f"/v1/requests/{row.id}"


def _inbound(row: Any) -> tuple[str, str, str]:
    title = f"{row.kind} request from {row.requesting_country} {row.partner_reference}"
    summary = _joined(subject_summary(row.subject), row.channel, row.status)
    return title, summary, f"/v1/inbound/{row.id}"


def _case(row: Any) -> tuple[str, str, str]:
    summary = _joined(f"case {row.reference}", row.crime_area, row.status)
    return row.title or row.reference, summary, f"/v1/cases/{row.id}"


def _message(row: Any) -> tuple[str, str, str]:
    title = f"{row.message_type.replace('_', ' ')} ({row.direction})"
    text = " ".join(str((row.body or {}).get("text") or "").split())
    if len(text) > SUMMARY:
        text = text[: SUMMARY - 1] + "…"
    summary = _joined(text, f"{row.channel} {row.country}", row.status)
    return title, summary, f"/v1/messages/{row.id}"


_DESCRIBE = {REQUEST: _request, INBOUND: _inbound, CASE: _case, MESSAGE: _message}


def subject_summary(subject: Mapping[str, Any] | None) -> str:
    """Who or what a request is about, in a few words (the subject kinds of
    messages/subjects.py)."""
    if not subject:
        return ""
    if "family_name" in subject:
        name = " ".join(filter(None, [subject.get("given_names"), subject["family_name"]]))
        born = subject.get("date_of_birth")
        return f"{name}, born {born}" if born else name
    if "vin" in subject or "registration_number" in subject:
        plate = subject.get("registration_number")
        country = subject.get("registration_country")
        parts = [
            f"VIN {subject['vin']}" if subject.get("vin") else "",
            f"{plate} ({country})" if plate else "",
            " ".join(filter(None, [subject.get("make"), subject.get("model")])),
        ]
        return _joined(*parts)
    if "document_number" in subject:
        kind = str(subject.get("document_type", "document")).replace("_", " ")
        return f"{kind} {subject['document_number']} ({subject.get('issuing_country', '')})"
    if "profile_reference" in subject:
        return f"DNA profile {subject['profile_reference']}"
    if "afis_reference" in subject:
        return f"AFIS record {subject['afis_reference']}"
    return ""


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)
