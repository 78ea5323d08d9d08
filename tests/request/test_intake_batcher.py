"""Intake in batches (request/batching.py): concurrent requests share a transaction, each still
gets its own outcome, a refusal stays with its request, and nothing is lost or doubled."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from oss_router.audit.verify import verify
from oss_router.auth.principal import Principal, Role
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.db import transaction
from oss_router.errors import Conflict, Forbidden, ProblemError, Unroutable
from oss_router.models import AuditEntry, ExchangeRequest, OutboxMessage
from oss_router.request import batching, service
from oss_router.request.batching import IntakeBatcher
from oss_router.request.schemas import REQUEST_CREATE
from oss_router.request.service import CreateOutcome, Intake
from oss_router.routing.policy import RoutingPolicy
from oss_router.runtime import Runtime
from oss_router.unit_of_work import unit_of_work
from tests.conftest import make_settings
from tests.support.payloads import request_body
from tests.support.services import fresh_postgres_database
from tests.support.staging import DESK, open_runtime

OTHER_DESK = Principal(subject="other-officer", role=Role.OFFICER)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


@pytest.fixture
def batch_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch ``create_requests`` is called with."""
    sizes: list[int] = []
    create_requests = batching.create_requests

    async def recording(
        session: Any, policy: RoutingPolicy, intakes: Sequence[Intake]
    ) -> list[CreateOutcome | ProblemError]:
        sizes.append(len(intakes))
        return await create_requests(session, policy, intakes)

    monkeypatch.setattr(batching, "create_requests", recording)
    return sizes


def intake(
    index: int,
    principal: Principal = DESK,
    key: str | None = None,
    **overrides: Any,
) -> Intake:
    body = request_body("person", **overrides)
    body["subject"] = {**body["subject"], "family_name": f"Batch-{index}"}
    return Intake(REQUEST_CREATE.validate_python(body), principal, key, utcnow())


def batcher(runtime: Runtime, max_batch: int = 64) -> IntakeBatcher:
    return IntakeBatcher(
        runtime.sessions, runtime.policy, committed=runtime.committed, max_batch=max_batch
    )


async def submit_all(intake_batcher: IntakeBatcher, intakes: list[Intake]) -> list[Any]:
    return await asyncio.gather(
        *(intake_batcher.submit(one) for one in intakes), return_exceptions=True
    )


async def count(runtime: Runtime, model: Any) -> int:
    async with transaction(runtime.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_concurrent_requests_share_transactions_and_each_is_stored_once(
    runtime: Runtime, batch_sizes: list[int]
) -> None:
    outcomes = await submit_all(batcher(runtime), [intake(i) for i in range(30)])

    assert all(isinstance(outcome, CreateOutcome) for outcome in outcomes), outcomes
    assert len({outcome.request.id for outcome in outcomes}) == 30
    assert sum(batch_sizes) == 30
    assert max(batch_sizes) > 1, batch_sizes  # they did share transactions
    assert await count(runtime, ExchangeRequest) == 30
    assert await count(runtime, OutboxMessage) == sum(
        len(outcome.request.dispatches) for outcome in outcomes
    )
    assert await count(runtime, AuditEntry) == 30  # one collection entry each
    async with transaction(runtime.sessions) as session:
        assert (await verify(session)).ok


async def test_batches_are_capped(runtime: Runtime, batch_sizes: list[int]) -> None:
    await submit_all(batcher(runtime, max_batch=4), [intake(i) for i in range(12)])

    assert sum(batch_sizes) == 12
    assert max(batch_sizes) <= 4


async def test_a_refusal_stays_with_its_request(runtime: Runtime) -> None:
    intakes = [
        intake(0),
        intake(1, preferred_channel="interpol", override_reason="faster"),  # officer: 403
        intake(2, target_countries=["PL"]),  # domestic: 422
        intake(3),
    ]

    outcomes = await submit_all(batcher(runtime), intakes)

    assert isinstance(outcomes[0], CreateOutcome)
    assert isinstance(outcomes[1], Forbidden)
    assert isinstance(outcomes[2], Unroutable)
    assert isinstance(outcomes[3], CreateOutcome)
    assert await count(runtime, ExchangeRequest) == 2


async def test_one_idempotency_key_twice_in_a_batch_creates_one_request(
    runtime: Runtime, batch_sizes: list[int]
) -> None:
    same = intake(0, key="key-1")
    outcomes = await submit_all(batcher(runtime), [same, same, intake(1, OTHER_DESK, "key-1")])

    assert batch_sizes == [3]
    assert isinstance(outcomes[0], CreateOutcome)
    assert isinstance(outcomes[1], Conflict)  # "being created; retry to get it"
    assert isinstance(outcomes[2], CreateOutcome)  # another caller's key is another key
    assert await count(runtime, ExchangeRequest) == 2
    (replayed,) = await submit_all(batcher(runtime), [same])
    assert replayed.replayed
    assert replayed.request.id == outcomes[0].request.id


@pytest.fixture
async def postgres_runtime() -> AsyncIterator[Runtime]:
    async with fresh_postgres_database() as url, open_runtime(make_settings(url)) as opened:
        yield opened


# PostgreSQL only: on SQLite writers are serialized, so the lookup always sees a committed key.
@pytest.mark.postgres
async def test_a_conflict_only_the_database_sees_is_retried_request_by_request(
    postgres_runtime: Runtime, batch_sizes: list[int]
) -> None:
    runtime = postgres_runtime
    contested = intake(0, key="contested")
    # Another process creates the same key and has not committed when the batch looks it up:
    # the batch's flush waits for that transaction and then violates the unique key.
    async with unit_of_work(runtime.sessions) as uow:
        first = await service.create_request(
            uow,
            runtime.policy,
            contested.payload,
            DESK,
            idempotency_key="contested",
            now=contested.now,
        )
        pending = asyncio.ensure_future(submit_all(batcher(runtime), [contested, intake(1)]))
        await asyncio.sleep(0.5)  # the batch is blocked on the rival's uncommitted key
        assert not pending.done()

    outcomes = await pending
    assert batch_sizes == [1, 2, 1, 1]  # the rival's, the batch, then each of its two alone
    assert outcomes[0].replayed
    assert outcomes[0].request.id == first.request.id
    assert isinstance(outcomes[1], CreateOutcome)
    assert not outcomes[1].replayed
    assert await count(runtime, ExchangeRequest) == 2
