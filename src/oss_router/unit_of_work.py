"""The unit of work: one transaction, and what must happen once it committed.

Whoever owns a transaction — the request scope of an API call (``deps.get_unit_of_work``), an
intake batch, the relay, the tracker, the deadline watch, a dead-letter or retention command —
opens it with ``unit_of_work`` and passes the ``UnitOfWork`` to the functions that need more
than the session: timeline events (``record_event``), outbox rows (``enqueue_on_channel``),
status notices (``stage_notice``) and after-commit callbacks (metrics, log lines). Pure
readers take the session alone. Nothing is hidden in the session's info dictionary and no
listener is registered on ``Session``: the unit of work runs its hooks itself, in
``commit`` (decision 0021).
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.broker.topology import DISPATCH_EXCHANGE
from oss_router.dispatch.timeline import EVENTS
from oss_router.messages.codes import RequestStatus
from oss_router.messages.dispatch import ATTEMPT_HEADER, REPLAY_HEADER
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER
from oss_router.messages.status import CaseNotice, CaseNoticeEvent, InboundNotice, StatusNotice
from oss_router.models import (
    AuditChainHead,
    Dispatch,
    ExchangeRequest,
    InboundEvent,
    OutboxMessage,
    RequestEvent,
    dialect,
)
from oss_router.row_insert import RowInsert
from oss_router.row_update import tracked_updates, write_together

log = logging.getLogger(__name__)

_OUTBOX = RowInsert(
    OutboxMessage,
    [
        "message_id",
        "exchange",
        "routing_key",
        "body",
        "headers",
        "dispatch_id",
        "reply_id",
        "exchange_message_id",
        "created_at",
        "attempts",
    ],
)

_INBOUND_EVENTS = RowInsert(
    InboundEvent,
    ["inbound_id", "reply_id", "at", "type", "from_status", "to_status", "actor", "detail"],
)

# The rows whose status the relay and the tracker move, and the audit chain's head: their
# changes go with the commit's inserts (row_update.py, decision 0035).
UPDATED_TOGETHER = (ExchangeRequest, Dispatch, AuditChainHead)

Inserts = Sequence[tuple[RowInsert, Sequence[dict[str, Any]]]]
RowsAtCommit = Callable[[AsyncSession], Awaitable[Inserts]]
_Made = TypeVar("_Made")


class UnitOfWork:
    """A session in a transaction, and what its commit must do besides writing.

    ``events_as_rows``: timeline events (of requests and of received requests) are kept as
    plain rows and inserted by one statement at the commit, for the relay, the tracker and the
    registrar, which never read them back: an ORM object per event (instrumented construction,
    cascades, a flush that fetches each generated id with a statement whose text changes with
    the number of rows) was about a quarter of the tracker's CPU. Those events are not visible
    to queries of the same transaction before its commit.
    """

    def __init__(self, session: AsyncSession, *, events_as_rows: bool = False) -> None:
        self.session = session
        # Published by the owner once committed: requests' and received requests' notices.
        self.notices: list[StatusNotice | InboundNotice | CaseNotice] = []
        self.outbox_written = False  # the owner then wakes the relay
        self._rows: list[dict[str, Any]] | None = [] if events_as_rows else None
        self._inbound_rows: list[dict[str, Any]] | None = [] if events_as_rows else None
        self._outbox: list[dict[str, Any]] = []
        self._at_commit: list[RowsAtCommit] = []
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed; a rollback drops it.

        Metrics use it to count what happened, never what was attempted and rolled back.
        """
        self._after_commit.append(callback)

    def write_at_commit(self, rows: RowsAtCommit) -> None:
        """Rows made at the commit, just before it writes (``rows`` may read and lock first):
        on PostgreSQL they go in the commit's one statement. The audit log's entries come this
        way (``audit.service.append_at_commit``): its chain head is then locked for the last
        two round trips of the transaction only."""
        self._at_commit.append(rows)

    def pending_at_commit(self, kind: type[_Made]) -> _Made | None:
        """The ``write_at_commit`` callable of type ``kind`` already registered, if any: its
        owner adds to it rather than registering a second one."""
        return next((rows for rows in self._at_commit if isinstance(rows, kind)), None)

    def record_event(
        self,
        *,
        request_id: UUID,
        type: str,
        actor: str,
        at: datetime,
        dispatch_id: UUID | None = None,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an event to a request's timeline (append-only: events are never updated,
        except by the retention purge, which strips their free text: retention/service.py)."""
        transition = _transition(at, type, from_status, to_status, actor, detail)
        values = {"request_id": request_id, "dispatch_id": dispatch_id, **transition}
        if self._rows is not None:
            self._rows.append(values)
        else:
            self.session.add(RequestEvent(**values))

    def record_inbound_event(
        self,
        *,
        inbound_id: UUID,
        type: str,
        actor: str,
        at: datetime,
        reply_id: UUID | None = None,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an event to the timeline of a received request (never updated afterwards,
        except by the retention purge, which strips free text)."""
        transition = _transition(at, type, from_status, to_status, actor, detail)
        values = {"inbound_id": inbound_id, "reply_id": reply_id, **transition}
        if self._inbound_rows is not None:
            self._inbound_rows.append(values)
        else:
            self.session.add(InboundEvent(**values))

    def enqueue_on_channel(
        self,
        *,
        message_id: UUID,
        channel: str,
        body: bytes,
        correlation_id: str,
        now: datetime,
        kind: str | None = None,
        replay: int = 0,
        dispatch_id: UUID | None = None,
        reply_id: UUID | None = None,
        exchange_message_id: UUID | None = None,
    ) -> None:
        """The outbox row of a message for a channel's worker (a dispatch, a reply, a message
        of a conversation: ``kind`` is its ``x-oss-type``, none for a dispatch), first attempt,
        on the channel's own queue; ``replay`` counts an operator's replays of it. The relay
        publishes it once the transaction committed.

        Kept as plain values and inserted by one statement at the commit, in every unit of
        work: nothing reads an outbox row back in the transaction that wrote it, and an ORM
        object per row (and the flush fetching its generated id) was about a fifth of the
        intake's flush (decision 0034)."""
        headers: dict[str, Any] = {ATTEMPT_HEADER: 1, "x-correlation-id": correlation_id}
        if kind is not None:
            headers[MESSAGE_TYPE_HEADER] = kind
        if replay:
            headers[REPLAY_HEADER] = replay
        self.outbox_written = True
        self._outbox.append(
            {
                "message_id": message_id,
                "exchange": DISPATCH_EXCHANGE,
                "routing_key": channel,
                "body": body,
                "headers": headers,
                "dispatch_id": dispatch_id,
                "reply_id": reply_id,
                "exchange_message_id": exchange_message_id,
                "created_at": now,
                "attempts": 0,
            }
        )

    def stage_notice(self, request: ExchangeRequest, now: datetime) -> None:
        """A status notice of the request as it is now, published once committed (no screen
        hears of a change that was rolled back)."""
        status = RequestStatus(request.status)
        self.notices.append(StatusNotice(request_id=request.id, request_status=status, at=now))

    def stage_inbound_notice(self, notice: InboundNotice) -> None:
        """A notice about a request received from a partner, published once committed."""
        self.notices.append(notice)

    def stage_case_notice(
        self, case_id: UUID, now: datetime, event: CaseNoticeEvent = "message"
    ) -> None:
        """A notice about a case file (messages/status.py), published once committed."""
        self.notices.append(CaseNotice(case_id=case_id, at=now, event=event))

    async def commit(self) -> None:
        """Write the buffered outbox rows and events, and the rows made at the commit; commit;
        then run the after-commit callbacks."""
        rows, self._rows = self._rows, None if self._rows is None else []
        inbound_rows = self._inbound_rows or []
        self._inbound_rows = None if self._inbound_rows is None else []
        outbox, self._outbox = self._outbox, []
        made, self._at_commit = self._at_commit, []
        inserts: list[tuple[RowInsert, Sequence[dict[str, Any]]]] = [
            (_OUTBOX, outbox),
            (EVENTS, rows or []),
            (_INBOUND_EVENTS, inbound_rows),
        ]
        for make in made:
            inserts += await make(self.session)
        if rows is not None and dialect.is_postgres(self.session):
            await self._write_together(inserts)
        elif any(values for _, values in inserts):
            # The rows' own changes first, in the order the ORM would use: inserting the events
            # before updating their requests cost PostgreSQL about a third more CPU in the
            # relay's transactions (measured with bench/relay_tracker.py; presumably the
            # foreign key checks' locks on rows that are then updated).
            await self.session.flush()
            connection = await self.session.connection()
            for insert, values in inserts:
                await insert.execute(connection, values)
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a metric must never turn a committed change into an error
                log.exception("after-commit callback failed")

    async def _write_together(self, inserts: Inserts) -> None:
        """The relay's, the tracker's and the intake's commit on PostgreSQL: the requests',
        dispatches' and audit head's changes and every insert in one statement
        (``row_update.write_together``); anything else pending goes by the ORM's flush first."""
        updates = tracked_updates(self.session, UPDATED_TOGETHER)
        updates.mark_committed()  # the flush leaves them to the statement (a failure rolls back)
        await self.session.flush()
        connection = await self.session.connection()
        await write_together(connection, updates, inserts)

    async def rollback(self) -> None:
        self._after_commit.clear()
        self.notices.clear()
        self.outbox_written = False
        self._outbox.clear()
        self._at_commit.clear()
        if self._rows is not None:
            self._rows.clear()
        if self._inbound_rows is not None:
            self._inbound_rows.clear()
        await self.session.rollback()


def _transition(
    at: datetime,
    type: str,
    from_status: str | None,
    to_status: str | None,
    actor: str,
    detail: dict[str, Any] | None,
) -> dict[str, Any]:
    """The columns every timeline event has, of a request's or of a received request's."""
    return {
        "at": at,
        "type": type,
        "from_status": from_status,
        "to_status": to_status,
        "actor": actor,
        "detail": detail or {},
    }


@asynccontextmanager
async def unit_of_work(
    sessions: Callable[[], AsyncSession], *, events_as_rows: bool = False
) -> AsyncIterator[UnitOfWork]:
    """One transaction: committed (with its hooks) when the block succeeds, rolled back when
    it raises."""
    async with sessions() as session:
        work = UnitOfWork(session, events_as_rows=events_as_rows)
        await session.begin()
        try:
            yield work
        except BaseException:
            await work.rollback()
            raise
        await work.commit()
