"""``GET /v1/stats?year=YYYY``: the yearly statistics, for supervisors."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from oss_router.auth.principal import Role
from oss_router.deps import NowDep, SessionDep, require_roles
from oss_router.stats import service
from oss_router.stats.schemas import StatsRead

router = APIRouter(prefix="/v1", tags=["statistics"])

Year = Annotated[
    int | None,
    Query(ge=2000, le=2100, description="calendar year (UTC); the current year by default"),
]


@router.get(
    "/stats",
    response_model=StatsRead,
    dependencies=[Depends(require_roles(Role.SUPERVISOR))],
)
async def read_stats(session: SessionDep, now: NowDep, year: Year = None) -> StatsRead:
    return await service.yearly_stats(session, year or now.year, now)
