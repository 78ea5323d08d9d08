"""FastAPI dependencies: the request-scoped unit of work, the runtime, the caller, the clock."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.auth.dependencies import authenticate
from oss_router.auth.principal import Principal, Role
from oss_router.errors import Forbidden
from oss_router.request.batching import IntakeBatcher
from oss_router.routing.policy import RoutingPolicy
from oss_router.runtime import Runtime
from oss_router.unit_of_work import UnitOfWork, unit_of_work


# Dependencies are ``async def`` even when they do not await: FastAPI runs plain ``def``
# dependencies in a worker thread, a thread hop per dependency and per request.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_unit_of_work(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    """One transaction per API call, committed once when the endpoint returned; then the
    relay is woken and the staged notices are published."""
    async with unit_of_work(runtime.sessions) as uow:
        yield uow
    runtime.committed(uow)


# scope="function": the transaction commits before the response is sent. With the default
# (request) scope FastAPI runs the exit code after sending, so a client could hold a 202 for a
# request whose commit then failed: the first guarantee of docs/architecture.md would not hold.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]


async def get_session(uow: UnitOfWorkDep) -> AsyncSession:
    """The session of the call's unit of work, for endpoints that only read and write rows
    (FastAPI caches the unit of work: one per call, whichever of the two an endpoint asks)."""
    return uow.session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_intake(runtime: RuntimeDep) -> IntakeBatcher:
    return runtime.intake


IntakeDep = Annotated[IntakeBatcher, Depends(get_intake)]


async def get_policy(runtime: RuntimeDep) -> RoutingPolicy:
    return runtime.policy


PolicyDep = Annotated[RoutingPolicy, Depends(get_policy)]


async def get_now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


NowDep = Annotated[datetime, Depends(get_now)]


# The caller, authenticated from its bearer token (401 without a valid one): auth/dependencies.py.
get_principal = authenticate

CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency factory: the caller must hold one of ``roles`` (else 403)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Forbidden(f"this needs one of the roles: {allowed}")
        return principal

    return check
