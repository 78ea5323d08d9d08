"""``GET /v1/routing/policy``: the active policy, so an officer can see why a channel was chosen."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from oss_router.auth.principal import Principal, Role
from oss_router.deps import PolicyDep, require_roles

router = APIRouter(prefix="/v1/routing", tags=["routing"])

# No personal data, but no business of the auditor's either (the audit log only).
Requester = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.PCCC))]


@router.get("/policy")
async def read_policy(policy: PolicyDep, _principal: Requester) -> dict[str, Any]:
    """Rules in order with their text and legal basis, deadlines, and the dated reference sets."""
    return policy.describe()
