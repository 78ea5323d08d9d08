"""``GET /v1/routing/policy``: the active policy, so an officer can see why a channel was chosen."""

from typing import Any

from fastapi import APIRouter

from oss_router.deps import CurrentPrincipal, PolicyDep

router = APIRouter(prefix="/v1/routing", tags=["routing"])


@router.get("/policy")
async def read_policy(policy: PolicyDep, _principal: CurrentPrincipal) -> dict[str, Any]:
    """Rules in order with their text and legal basis, deadlines, and the dated reference sets."""
    return policy.describe()
