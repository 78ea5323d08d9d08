"""Liveness and readiness probes (no authentication)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from oss_router.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    checks = {"database": await _database_ok(runtime), "broker": runtime.broker.is_connected}
    ready = all(checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database_ok(runtime: RuntimeDep) -> bool:
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
