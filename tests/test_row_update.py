"""The changes of loaded requests and dispatches, written at the commit (row_update.py,
decision 0035): on PostgreSQL in one statement with the outbox rows and the events, on SQLite
by the ORM's flush; the same rows either way."""

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, inspect, select

from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.dispatch import repository as dispatches
from oss_router.dispatch.transitions import move_dispatch, refresh_request_status
from oss_router.messages.codes import DispatchStatus
from oss_router.models import Dispatch, ExchangeRequest, RequestEvent, dialect
from oss_router.row_insert import all_columns, column_values
from oss_router.row_update import tracked_updates
from oss_router.runtime import Runtime
from oss_router.unit_of_work import UPDATED_TOGETHER, unit_of_work
from tests.support.staging import open_runtime, stage_request


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


class Statements:
    def __init__(self, runtime: Runtime) -> None:
        self.sent: list[str] = []
        self._engine = runtime.engine.sync_engine

    def _seen(self, *args: Any) -> None:
        self.sent.append(args[2])

    def __enter__(self) -> "Statements":
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


@pytest.fixture
def statements(runtime: Runtime) -> Iterator[Statements]:
    with Statements(runtime) as seen:
        yield seen


async def rows(runtime: Runtime, request_id: uuid.UUID) -> tuple[ExchangeRequest, list[Dispatch]]:
    async with runtime.sessions() as session:
        request = await session.get(ExchangeRequest, request_id)
        assert request is not None
        query = select(Dispatch).where(Dispatch.request_id == request_id)
        return request, list((await session.scalars(query.order_by(Dispatch.position))).all())


async def event_types(runtime: Runtime, request_id: uuid.UUID) -> list[str]:
    async with runtime.sessions() as session:
        query = select(RequestEvent.type).where(RequestEvent.request_id == request_id)
        return list((await session.scalars(query.order_by(RequestEvent.id))).all())


async def test_moved_statuses_outbox_rows_and_events_are_written_in_one_statement(
    runtime: Runtime, statements: Statements
) -> None:
    staged = await stage_request(runtime, target_countries=["DE", "FR"])
    now = utcnow() + timedelta(seconds=1)
    async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
        (request,) = await dispatches.for_transitions_of_dispatches(
            uow.session, [d.id for d in staged.dispatches]
        )
        first, second = request.dispatches
        move_dispatch(uow, request, first, DispatchStatus.SENT, "test", now)
        move_dispatch(uow, request, second, DispatchStatus.DELIVERED, "test", now)
        second.attempts = 2  # another set of columns: another update in the same statement
        refresh_request_status(uow, request, "test", now)
        uow.enqueue_on_channel(
            message_id=uuid.uuid4(), channel="europol", body=b"{}", correlation_id="c", now=now
        )
        statements.sent.clear()
    stored, (one, two) = await rows(runtime, staged.id)
    assert (one.status, two.status, two.attempts) == ("sent", "delivered", 2)
    assert (one.updated_at, two.updated_at, stored.updated_at) == (now, now, now)
    assert stored.status == "in_progress"
    assert (await event_types(runtime, staged.id))[-3:] == [
        "dispatch_status",
        "dispatch_status",
        "request_status",
    ]
    writes = [s for s in statements.sent if s.lstrip().upper().startswith(("UPDATE", "WITH"))]
    if dialect.is_postgres(runtime.engine):
        assert len(writes) == 1, writes
        (combined,) = writes
        for table in ("exchange_requests", "dispatches", "outbox_messages", "request_events"):
            assert table in combined


async def test_a_value_set_again_is_no_change(runtime: Runtime, statements: Statements) -> None:
    staged = await stage_request(runtime)
    async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
        (request,) = await dispatches.for_transitions_of_dispatches(
            uow.session, [staged.dispatches[0].id]
        )
        request.due_at = request.due_at  # what refresh_request_status does when nothing moved
        (dispatch,) = request.dispatches
        dispatch.attempts = dispatch.attempts + 1
        statements.sent.clear()
    assert not [s for s in statements.sent if "exchange_requests" in s]
    (update,) = [s for s in statements.sent if "dispatches" in s]
    assert "attempts" in update
    assert "due_at" not in update
    _, (stored,) = await rows(runtime, staged.id)
    assert stored.attempts == 1


@pytest.mark.postgres
async def test_the_rows_taken_are_left_clean_for_the_flush(runtime: Runtime) -> None:
    """Marked committed as the ORM's flush marks what it wrote: not merely without history,
    off the session's modified list (else the flush spends its time finding nothing)."""
    if not dialect.is_postgres(runtime.engine):
        pytest.skip("the combined statement is PostgreSQL's; SQLite flushes")
    staged = await stage_request(runtime, target_countries=["DE", "FR"])
    async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
        (request,) = await dispatches.for_transitions_of_dispatches(
            uow.session, [d.id for d in staged.dispatches]
        )
        first, second = request.dispatches
        first.status = "sent"
        request.dispatches.append(
            Dispatch(**{**column_values(second, all_columns(Dispatch)), "id": uuid.uuid4()})
        )  # a relationship changed: the request is left whole to the ORM
        updates = tracked_updates(uow.session, UPDATED_TOGETHER)
        updates.mark_committed()
        assert not inspect(first).modified
        assert inspect(request).modified
        assert [state.obj() for state in updates.taken] == [first]
        await uow.rollback()


async def test_a_json_column_is_written_and_none_is_json_null_as_the_orm_writes_it(
    runtime: Runtime,
) -> None:
    staged = await stage_request(runtime, target_countries=["DE", "FR"])
    async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
        (request,) = await dispatches.for_transitions_of_dispatches(
            uow.session, [d.id for d in staged.dispatches]
        )
        first, second = request.dispatches
        first.answer = {"remarks": "Kein Eintrag — no record", "hits": [1, 2]}
        second.answer = None
    _, (one, two) = await rows(runtime, staged.id)
    assert one.answer == {"remarks": "Kein Eintrag — no record", "hits": [1, 2]}
    assert two.answer is None


async def test_a_rolled_back_unit_writes_nothing(runtime: Runtime) -> None:
    staged = await stage_request(runtime)

    async def abandoned() -> None:
        async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
            (request,) = await dispatches.for_transitions_of_dispatches(
                uow.session, [staged.dispatches[0].id]
            )
            move_dispatch(uow, request, request.dispatches[0], DispatchStatus.SENT, "t", utcnow())
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError):
        await abandoned()
    _, (stored,) = await rows(runtime, staged.id)
    assert stored.status == "queued"
