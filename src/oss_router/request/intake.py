"""Intake in batches: the requests that arrive while one transaction commits share the next.

Each ``POST /v1/requests`` hands its validated payload to the gateway's ``IntakeBatcher`` and
waits for its own outcome. One drain task at a time takes every waiting intake (up to
``intake_batch_size``) and stages them in one transaction with ``service.create_requests``:
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
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.db import SessionMaker
from oss_router.errors import Conflict, ProblemError
from oss_router.request import service
from oss_router.request.service import CreateOutcome, Intake
from oss_router.routing.policy import RoutingPolicy

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
        committed: Callable[[AsyncSession], None],
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
        async with self._sessions() as session:
            async with session.begin():
                results = await service.create_requests(session, self._policy, intakes)
            self._committed(session)
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
