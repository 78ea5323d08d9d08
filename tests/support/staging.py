"""Building blocks below the HTTP API: a migrated runtime, staged requests, their timelines."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from oss_router.auth.principal import Principal, Role
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.db import transaction
from oss_router.migrate import upgrade
from oss_router.models import ExchangeRequest, RequestEvent
from oss_router.request import repository, service
from oss_router.request.schemas import REQUEST_CREATE
from oss_router.runtime import Runtime
from oss_router.unit_of_work import unit_of_work
from tests.support.payloads import request_body

DESK = Principal(subject="desk-officer", role=Role.OFFICER)


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime on a migrated database, running nothing until the test starts parts of it."""
    runtime = await Runtime.open(settings)
    await upgrade(runtime.engine)
    try:
        yield runtime
    finally:
        await runtime.close()


async def stage_request(runtime: Runtime, **overrides: Any) -> ExchangeRequest:
    """Create a request as the gateway would (request, dispatches, events, outbox rows)."""
    payload = REQUEST_CREATE.validate_python(request_body(**overrides))
    async with unit_of_work(runtime.sessions) as uow:
        outcome = await service.create_request(
            uow, runtime.policy, payload, DESK, idempotency_key=None, now=utcnow()
        )
    return outcome.request


async def load(runtime: Runtime, request_id: UUID) -> tuple[ExchangeRequest, list[RequestEvent]]:
    async with transaction(runtime.sessions) as session:
        request = await repository.get(session, request_id)
        assert request is not None
        return request, await repository.events_of(session, request_id)


async def dispatch_statuses(runtime: Runtime, request_id: UUID) -> list[str]:
    request, _ = await load(runtime, request_id)
    return [dispatch.status for dispatch in request.dispatches]
