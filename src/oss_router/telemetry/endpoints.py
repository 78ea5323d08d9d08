"""``GET /metrics`` on the gateway: the Prometheus exposition (no personal data in labels)."""

import logging

from fastapi import APIRouter, Response

from oss_router.deps import RuntimeDep
from oss_router.telemetry.metrics import CONTENT_TYPE_LATEST, exposition

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(runtime: RuntimeDep) -> Response:
    try:
        await runtime.refresh_gauges(everything=True)
    except Exception:  # stale gauges beat no metrics while the database is away
        log.exception("refreshing gauges failed")
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
