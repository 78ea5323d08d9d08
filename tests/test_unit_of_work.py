"""The unit of work (decision 0021): its hooks run at its commit and only then, a rollback
drops them, and nothing is registered on SQLAlchemy's Session class."""

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import oss_router.app  # noqa: F401  # every module a gateway imports: none may add a listener
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.audit.verify import verify
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.db import transaction
from oss_router.models import AuditEntry, RequestEvent
from oss_router.runtime import Runtime
from oss_router.unit_of_work import UnitOfWork, unit_of_work
from tests.support.staging import open_runtime, stage_request


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


async def events_of(runtime: Runtime, request_id: uuid.UUID) -> list[str]:
    async with runtime.sessions() as session:
        query = select(RequestEvent.type).where(RequestEvent.request_id == request_id)
        return list((await session.scalars(query.order_by(RequestEvent.id))).all())


@pytest.mark.parametrize("events_as_rows", [False, True])
async def test_the_commit_writes_the_events_then_runs_the_callbacks(
    runtime: Runtime, events_as_rows: bool
) -> None:
    request = await stage_request(runtime)
    ran: list[list[str]] = []
    async with unit_of_work(runtime.sessions, events_as_rows=events_as_rows) as uow:
        uow.record_event(request_id=request.id, type="probe", actor="test", at=utcnow())
        uow.after_commit(lambda: ran.append(["committed"]))
        assert ran == []  # not before the commit
    assert ran == [["committed"]]
    assert (await events_of(runtime, request.id))[-1] == "probe"


async def test_a_rollback_drops_events_callbacks_notices_and_the_outbox_flag(
    runtime: Runtime,
) -> None:
    request = await stage_request(runtime)
    ran: list[str] = []

    async def failing() -> UnitOfWork:
        async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
            uow.record_event(request_id=request.id, type="probe", actor="test", at=utcnow())
            uow.after_commit(lambda: ran.append("committed"))
            uow.stage_notice(request, utcnow())
            uow.outbox_written = True
            raise RuntimeError(uow)

    with pytest.raises(RuntimeError) as raised:
        await failing()
    uow = raised.value.args[0]
    assert ran == []
    assert uow.notices == []
    assert not uow.outbox_written
    assert "probe" not in await events_of(runtime, request.id)


async def test_a_failing_callback_does_not_undo_the_commit(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    ran: list[str] = []
    async with unit_of_work(runtime.sessions) as uow:
        uow.record_event(request_id=request.id, type="probe", actor="test", at=utcnow())
        uow.after_commit(lambda: 1 / 0)  # type: ignore[func-returns-value]
        uow.after_commit(lambda: ran.append("second"))
    assert ran == ["second"]
    async with runtime.sessions() as session:
        count = select(func.count()).where(RequestEvent.type == "probe")
        assert await session.scalar(count) == 1


@pytest.mark.parametrize("name", ["before_commit", "after_commit", "after_rollback"])
def test_nothing_listens_on_every_session(name: str) -> None:
    # What a transaction does besides writing is in the unit of work, not in global hooks.
    # ``_clslevel``: the class-level listeners by class (SQLAlchemy has no public listing).
    listeners = getattr(Session.dispatch, name)._clslevel
    assert not any(listeners.values()), f"a listener on Session {name}: use the UnitOfWork"


async def test_audit_entries_left_to_the_commit_are_chained_there_and_dropped_by_a_rollback(
    runtime: Runtime,
) -> None:
    """``audit.append_at_commit`` (the intake's, the relay's, the registrar's): written by the
    commit, after an entry appended at once in the same transaction, one unbroken chain also
    when called twice (a batch of registrations); a rollback drops them with the rest."""
    request = await stage_request(runtime)
    actor = Actor.system("test")

    def record(reason: str) -> AuditRecord:
        return AuditRecord(Action.CONSULTATION, actor, request.id, reason)

    before = len(await log_of_runtime(runtime))
    async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
        await audit.append(uow.session, [record("at once")], utcnow())
        audit.append_at_commit(uow, [record("at commit 1"), record("at commit 2")], utcnow())
        audit.append_at_commit(uow, [record("at commit 3")], utcnow())
        query = select(func.count()).select_from(AuditEntry)
        assert await uow.session.scalar(query) == before + 1  # those at commit: not yet

    async def abandoned() -> None:
        async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
            audit.append_at_commit(uow, [record("rolled back")], utcnow())
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError):
        await abandoned()
    entries = await log_of_runtime(runtime)
    assert [e.justification for e in entries[before:]] == [
        "at once",
        "at commit 1",
        "at commit 2",
        "at commit 3",
    ]
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    async with transaction(runtime.sessions) as session:
        assert (await verify(session)).ok


async def log_of_runtime(runtime: Runtime) -> list[AuditEntry]:
    async with runtime.sessions() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.seq))).all())
