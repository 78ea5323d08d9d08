"""Intake in batches: the requests that arrive while one transaction commits share the next.

Each ``POST /v1/requests`` hands its validated payload to the gateway's ``IntakeBatcher`` and
waits for its own outcome. One drain task at a time takes every waiting intake (up to
``intake_batch_size``) and stages them in one transaction with ``create_requests``:
one Idempotency-Key lookup, one possible-duplicate lookup, one flush, one audit append and one
commit for the whole batch instead of eleven round trips per request, and the audit chain head
is locked once per batch. Nobody waits for a batch to fill: under light load a batch is the
one request that came, and under load batches grow by themselves (decision 0013).

A caller's answer still comes only after the commit of the transaction that holds its request
(nothing acknowledged is lost), and a refusal of one request (403, 409, 422) does not touch the
others of its batch. A conflict only the database sees (two processes creating the same
Idempotency-Key at once) fails the whole flush: the batch's requests are then staged again one
by one, so only the request concerned gets the 409.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from oss_router.audit import service as audit
from oss_router.audit.service import AuditRecord
from oss_router.auth.principal import Principal
from oss_router.db import SessionMaker
from oss_router.errors import Conflict, ProblemError
from oss_router.models import CaseFile, ExchangeRequest
from oss_router.request import repository
from oss_router.request.duplicates import (
    SubjectKey,
    duplicate_consultations,
    duplicate_warnings,
    known_and_open_like,
)
from oss_router.request.intake import (
    CreateOutcome,
    Intake,
    case_link,
    count_intake,
    decide,
    effective_payload,
    flush_case_links,
    insert_new,
    intake_records,
    refuse_case,
    refuse_concurrent_key,
    replay,
    scoped_key,
    stage_request,
)
from oss_router.request.schemas import RequestCreate
from oss_router.routing.decision import RoutingDecision
from oss_router.routing.policy import RoutingPolicy
from oss_router.unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)


@dataclass
class _Waiting:
    intake: Intake
    outcome: "asyncio.Future[CreateOutcome]" = field(default_factory=lambda: _future())


def _future() -> "asyncio.Future[CreateOutcome]":
    future: asyncio.Future[CreateOutcome] = asyncio.get_running_loop().create_future()
    # A caller that went away no longer reads its outcome: mark a refusal read anyway, so that
    # asyncio does not log it as an exception nobody retrieved.
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
    return future


class IntakeBatcher:
    """Stages concurrent intakes of one process together, one transaction per batch."""

    def __init__(
        self,
        sessions: SessionMaker,
        policy: RoutingPolicy,
        *,
        committed: Callable[[UnitOfWork], None],
        max_batch: int,
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        self._committed = committed  # wakes the relay, publishes the staged notices
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._drain_task: asyncio.Task[None] | None = None

    async def submit(self, intake: Intake) -> CreateOutcome:
        """The request's outcome once its transaction committed; raises its problem."""
        waiting = _Waiting(intake)
        self._waiting.append(waiting)
        if self._drain_task is None or self._drain_task.done():
            self._drain_task = asyncio.create_task(self._drain(), name="intake")
        # shield: a caller that goes away must not cancel the batch its request is part of.
        return await asyncio.shield(waiting.outcome)

    async def _drain(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                await self._stage(batch)
            except Conflict:
                for one in batch:  # only the database saw the conflict: find whose it is
                    await self._stage_alone(one)
            except Exception as error:  # database down, …: each caller gets the 500/503
                log.exception("intake batch of %d failed", len(batch))
                _settle_all(batch, error)

    async def _stage_alone(self, waiting: _Waiting) -> None:
        try:
            await self._stage([waiting])
        except Exception as error:
            _settle_all([waiting], error)

    async def _stage(self, batch: list[_Waiting]) -> None:
        intakes = [waiting.intake for waiting in batch]
        # Timeline events as plain rows, one insert at the commit (as the relay and tracker
        # do): no ORM object per event. Nothing in intake reads them back before the commit.
        # About 0.8 of 12 ms of the gateway's CPU for a batch of one (decision 0027).
        async with unit_of_work(self._sessions, events_as_rows=True) as uow:
            results = await create_requests(uow, self._policy, intakes)
        self._committed(uow)
        for waiting, result in zip(batch, results, strict=True):
            _settle(waiting, result)

    async def flush(self) -> None:
        """Wait until every submitted intake was staged (before shutdown)."""
        while self._drain_task is not None and not self._drain_task.done():
            await asyncio.shield(self._drain_task)


def _settle(waiting: _Waiting, result: CreateOutcome | ProblemError) -> None:
    if waiting.outcome.done():
        return
    if isinstance(result, ProblemError):
        waiting.outcome.set_exception(result)
    else:
        waiting.outcome.set_result(result)


def _settle_all(batch: list[_Waiting], error: BaseException) -> None:
    for waiting in batch:
        if not waiting.outcome.done():
            waiting.outcome.set_exception(error)


async def create_request(
    uow: UnitOfWork,
    policy: RoutingPolicy,
    payload: RequestCreate,
    principal: Principal,
    *,
    idempotency_key: str | None,
    now: datetime,
) -> CreateOutcome:
    """Validate, route and stage one request (a batch of one: ``create_requests``)."""
    [result] = await create_requests(
        uow, policy, [Intake(payload, principal, idempotency_key, now)]
    )
    if isinstance(result, ProblemError):
        raise result
    return result


async def create_requests(
    uow: UnitOfWork, policy: RoutingPolicy, intakes: Sequence[Intake]
) -> list[CreateOutcome | ProblemError]:
    """Validate, route and stage each request with its dispatches, timeline, outbox rows and
    audit entries (collection, and alteration for a routing override); one outcome, or the
    problem that refused it, per intake, in order.

    The batch costs one statement per step, not one per request: one Idempotency-Key lookup,
    one possible-duplicate lookup, one flush, one audit append. A
    conflict found only at the flush (another process creating the same Idempotency-Key)
    raises ``Conflict`` for the whole batch: the caller retries its requests one by one.
    """
    batch = _IntakeBatch(intakes)
    # The Idempotency-Key lookup and the possible-duplicate lookup in one round trip. The
    # latter looks for every request of the batch, replays and refusals too (a superset of
    # those routed: their extra matches are never read), so it can run before routing.
    existing, earlier = await known_and_open_like(
        uow.session, batch.idempotency_keys(), batch.payloads()
    )
    batch.route(policy, existing)
    case_ids = batch.case_ids()  # a request filed in a case: one more query, else none
    if case_ids:
        batch.check_cases(await repository.cases_by_ids(uow.session, case_ids))
    batch.stage(uow, earlier)
    await insert_new(uow.session, [request for _, request, _ in batch.staged])
    await batch.file_in_cases(uow)
    batch.record_staged(uow)
    audit.append_at_commit(uow, batch.records, batch.now)
    return batch.outcomes()


class _IntakeBatch:
    """The requests of one intake transaction, each with its outcome or refusal so far."""

    def __init__(self, intakes: Sequence[Intake]) -> None:
        self.now = max(intake.now for intake in intakes)
        self.records: list[AuditRecord] = []
        self.staged: list[tuple[int, ExchangeRequest, list[ExchangeRequest]]] = []
        self._results: list[CreateOutcome | ProblemError | None] = [None] * len(intakes)
        self._intakes: dict[int, Intake] = {}  # those still in the running, by position
        self._decisions: dict[int, RoutingDecision] = {}
        for index, intake in enumerate(intakes):
            try:
                payload = effective_payload(intake.payload, intake.principal)
            except ProblemError as refused:
                self._results[index] = refused
                continue
            self._intakes[index] = replace(intake, payload=payload)

    def idempotency_keys(self) -> list[tuple[str, str]]:
        return [scoped_key(each) for each in self._intakes.values() if each.idempotency_key]

    def route(
        self, policy: RoutingPolicy, existing: dict[tuple[str, str], ExchangeRequest]
    ) -> None:
        """Replays of known keys, refusals of keys twice in the batch, routing decisions."""
        creating: set[tuple[str, str]] = set()
        for index, intake in self._intakes.items():
            try:
                scoped = scoped_key(intake) if intake.idempotency_key else None
                if scoped in existing:
                    self._results[index] = replay(existing[scoped], intake, self.records)
                    continue
                if scoped is not None:
                    refuse_concurrent_key(scoped, creating)
                self._decisions[index] = decide(policy, intake.payload, intake.now)
            except ProblemError as refused:
                self._results[index] = refused

    def case_ids(self) -> list[UUID]:
        """The cases the routed requests are to be filed in (none: no query at all)."""
        return [
            case_id
            for index in self._decisions
            if (case_id := self._intakes[index].payload.case_id) is not None
        ]

    def check_cases(self, cases: dict[UUID, CaseFile]) -> None:
        """Refuse (422 naming ``case_id``) a request whose case is unknown, closed or not
        the caller's to see; the others of the batch go on."""
        for index in list(self._decisions):
            intake = self._intakes[index]
            case_id = intake.payload.case_id
            if case_id is None:
                continue
            try:
                refuse_case(cases.get(case_id), intake.principal)
            except ProblemError as refused:
                self._results[index] = refused
                del self._decisions[index]

    async def file_in_cases(self, uow: UnitOfWork) -> None:
        """One ``case_links`` row per request filed in a case (after the requests' flush)."""
        links = [
            case_link(request, case_id, self._intakes[index].principal)
            for index, request, _ in self.staged
            if (case_id := self._intakes[index].payload.case_id) is not None
        ]
        await flush_case_links(uow.session, links)

    def payloads(self) -> list[RequestCreate]:
        """The (effective) payloads of the requests not refused so far."""
        return [intake.payload for intake in self._intakes.values()]

    def stage(self, uow: UnitOfWork, earlier: dict[SubjectKey, list[ExchangeRequest]]) -> None:
        for index, decision in self._decisions.items():
            intake = self._intakes[index]
            duplicates, matches = duplicate_warnings(
                intake.payload, decision, earlier, intake.principal
            )
            decision = replace(decision, warnings=decision.warnings + duplicates)
            self.staged.append((index, stage_request(uow, intake, decision), matches))

    def record_staged(self, uow: UnitOfWork) -> None:
        """Once flushed: metrics, the status notice and the audit records of each request."""
        for index, request, matches in self.staged:
            intake = self._intakes[index]
            count_intake(uow, request)
            uow.stage_notice(request, intake.now)
            self.records += intake_records(request, intake.principal, intake.payload.case_id)
            self.records += duplicate_consultations(matches, intake.payload, intake.principal)
            self._results[index] = CreateOutcome(request, replayed=False)

    def outcomes(self) -> list[CreateOutcome | ProblemError]:
        return [result for result in self._results if result is not None]
