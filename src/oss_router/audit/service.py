"""Writing audit entries, in the caller's transaction. Never commits.

Law Enforcement Directive 2016/680 Art. 25: collection, alteration, consultation, disclosure
and erasure are logged; consultation and disclosure logs carry the justification, the date and
time, who did it and the recipients.

Call ``append`` as the last write of a transaction: it locks the chain head until the commit,
so every other transaction that audits waits for this one from that point on (PostgreSQL).
Taking that lock last also keeps a single lock order (head after rows), so it cannot deadlock.
``append_at_commit`` leaves the lock and the entries to the unit of work's commit: the head is
then locked for the transaction's last two round trips only, and on PostgreSQL the entries
go in the commit's one statement (the intake and the relay, whose every transaction audits).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import repository
from oss_router.audit.chain import entry_hash
from oss_router.auth.principal import OPERATOR_ROLE, SYSTEM_ROLE, Principal, Role
from oss_router.models import AuditChainHead, AuditEntry, ExchangeRequest
from oss_router.row_insert import RowInsert, all_columns, column_values
from oss_router.unit_of_work import Inserts, UnitOfWork

MAX_JUSTIFICATION = 2000


class Action(StrEnum):
    COLLECTION = "collection"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    ALTERATION = "alteration"
    ERASURE = "erasure"


__all__ = ["SYSTEM_ROLE", "Action", "Actor", "AuditRecord", "append", "append_at_commit"]


@dataclass(frozen=True)
class Actor:
    name: str
    role: str
    unit: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> "Actor":
        return cls(principal.actor, principal.role.value, principal.unit)

    @classmethod
    def system(cls, name: str, unit: str | None = None) -> "Actor":
        """A component of the service, named by ``auth.principal.system_actor``."""
        return cls(name, SYSTEM_ROLE, unit)

    @classmethod
    def operator(cls, name: str) -> "Actor":
        """A person at the command line, named by ``auth.principal.operator_actor``."""
        return cls(name, OPERATOR_ROLE)


@dataclass(frozen=True)
class AuditRecord:
    action: Action
    actor: Actor
    request_id: UUID | None
    justification: str | None
    recipients: list[dict[str, str]] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    inbound_id: UUID | None = None  # a request received from a partner (inbound/)


async def append(session: AsyncSession, records: Sequence[AuditRecord], now: datetime) -> None:
    """Chain ``records`` onto the log, under the chain-head lock."""
    if not records:
        return
    head = await repository.lock_head(session)
    await _chain(session, head, records, now)


def append_at_commit(work: UnitOfWork, records: Sequence[AuditRecord], now: datetime) -> None:
    """``append``, done by ``work``'s commit just before it writes (the same entries, the same
    chain, the head locked last); a rollback drops them with everything else. Called more
    than once in a unit of work (the registrar's batch), the entries are chained in the order
    of the calls under the one lock."""
    if not records:
        return
    chain = work.pending_at_commit(_ChainAtCommit)
    if chain is None:
        chain = _ChainAtCommit()
        work.write_at_commit(chain)
    chain.groups.append((list(records), now))


@dataclass
class _ChainAtCommit:
    """The entries of every ``append_at_commit`` of one unit of work: one head lock, one
    chain (a second lock would re-read the head and start the chain over)."""

    groups: list[tuple[list[AuditRecord], datetime]] = field(default_factory=list)

    async def __call__(self, session: AsyncSession) -> Inserts:
        head = await repository.lock_head(session)
        rows: list[dict[str, Any]] = []
        for records, now in self.groups:
            chained = _entries(head, records, now)
            head.seq, head.hash = chained[-1].seq, chained[-1].hash  # written with the entries
            rows += [column_values(entry, _ENTRY_COLUMNS) for entry in chained]
        return [(_ENTRIES, rows)]


_ENTRY_COLUMNS = all_columns(AuditEntry)
_ENTRIES = RowInsert(AuditEntry, _ENTRY_COLUMNS)


async def append_list_views(
    session: AsyncSession,
    requests: Iterable[ExchangeRequest],
    actor: Actor,
    now: datetime,
    window: timedelta,
    *,
    via: str = "list",
) -> None:
    """Log the requests a page showed, each at most once per person per ``window``.

    A request is logged unless ``actor`` already has a consultation of it (list or detail)
    logged within the window: the live queue re-reads its page on every change, and one
    entry per re-read drowned the log (decision 0019); ``via="refresh"`` is an open request
    page re-reading itself. The check reads the log itself, so it holds across gateway
    processes, and is repeated under the chain-head lock, which serializes it with every other
    append: two processes cannot both log the same view. A page whose rows are all logged
    already takes no lock and writes nothing.
    """
    records = consultations(requests, actor, {"via": via})
    if window > timedelta(0):
        since = now - window
        records = await _not_logged_since(session, records, actor, since)
        if not records:
            return
        head = await repository.lock_head(session)
        records = await _not_logged_since(session, records, actor, since)
        await _chain(session, head, records, now)
        return
    await append(session, records, now)


async def append_views(
    session: AsyncSession,
    records: list[AuditRecord],
    actor: Actor,
    now: datetime,
    window: timedelta,
) -> None:
    """``append_list_views`` for consultation records already built (those of requests
    received from partners, say): each logged unless ``actor`` has one of the same request
    or received request logged within ``window`` (decision 0019)."""
    if window > timedelta(0):
        since = now - window
        records = await _not_logged_since(session, records, actor, since)
        if not records:
            return
        head = await repository.lock_head(session)
        records = await _not_logged_since(session, records, actor, since)
        await _chain(session, head, records, now)
        return
    await append(session, records, now)


async def _not_logged_since(
    session: AsyncSession, records: list[AuditRecord], actor: Actor, since: datetime
) -> list[AuditRecord]:
    ids = [record.request_id for record in records if record.request_id is not None]
    logged = await repository.consulted_since(
        session, Action.CONSULTATION.value, actor.name, ids, since
    )
    inbound_ids = [record.inbound_id for record in records if record.inbound_id is not None]
    logged_inbound = await repository.inbound_consulted_since(
        session, Action.CONSULTATION.value, actor.name, inbound_ids, since
    )
    return [
        record
        for record in records
        if (record.request_id is None or record.request_id not in logged)
        and (record.inbound_id is None or record.inbound_id not in logged_inbound)
    ]


async def _chain(
    session: AsyncSession, head: AuditChainHead, records: Sequence[AuditRecord], now: datetime
) -> None:
    if not records:
        return
    await repository.extend(session, head, _entries(head, records, now))


def _entries(
    head: AuditChainHead, records: Sequence[AuditRecord], now: datetime
) -> list[AuditEntry]:
    """The records as entries chained after ``head``, not added to any session."""
    seq, prev_hash, entries = head.seq, head.hash, []
    for record in records:
        entry = _entry(record, seq + 1, prev_hash, now)
        entries.append(entry)
        seq, prev_hash = entry.seq, entry.hash
    return entries


def _entry(record: AuditRecord, seq: int, prev_hash: str, now: datetime) -> AuditEntry:
    entry = AuditEntry(
        seq=seq,
        at=now,
        action=record.action.value,
        actor=record.actor.name,
        role=record.actor.role,
        unit=record.actor.unit,
        request_id=record.request_id,
        inbound_id=record.inbound_id,
        justification=(record.justification or None) and record.justification[:MAX_JUSTIFICATION],
        recipients=record.recipients,
        detail=record.detail,
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(entry)
    return entry


def actor_names(search: str) -> tuple[str, ...]:
    """The actors an auditor's search names: the actor as logged (``role:subject``), or the
    subject alone under every role (``sofia``: ``officer:sofia``, ``supervisor:sofia``, ...).

    No partial match: a substring search cannot use an index and would scan the whole log
    on every call; a list of exact names keeps each search an index lookup.
    """
    roles = [role.value for role in Role] + [SYSTEM_ROLE]
    return (search, *(f"{role}:{search}" for role in roles))


def recipients(request: ExchangeRequest) -> list[dict[str, str]]:
    """Channel and country of each dispatch: to whom the request goes."""
    return [{"channel": d.channel, "country": d.country} for d in request.dispatches]


def consultations(
    requests: Iterable[ExchangeRequest], actor: Actor, detail: dict[str, Any]
) -> list[AuditRecord]:
    """One consultation per request whose personal data the actor was shown."""
    return [
        AuditRecord(Action.CONSULTATION, actor, request.id, request.purpose, detail=detail)
        for request in requests
        if request.purged_at is None
    ]
