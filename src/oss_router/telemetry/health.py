"""Liveness and readiness probes (no authentication)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from oss_router.auth.dependencies import get_authentication
from oss_router.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Ready when the database, the broker and (if one is configured) the identity provider's
    keys can be had: without those keys no staff token can be verified."""
    checks = {"database": await _database_ok(runtime), "broker": runtime.broker.is_connected}
    reasons: dict[str, str] = {}
    authentication = get_authentication(request)
    if authentication.has_identity_provider:
        problem = await authentication.identity_provider_problem()
        checks["identity_provider"] = problem is None
        if problem is not None:
            reasons["identity_provider"] = problem
    ready = all(checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable", "checks": checks}
    if reasons:
        body["reasons"] = reasons
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database_ok(runtime: RuntimeDep) -> bool:
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
