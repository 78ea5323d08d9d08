"""Who may see and do what with requests received from partners (README "Security", roles).

Desk officers and supervisors see every received request; a PCCC unit sees only those that
arrived for its unit (another unit's is a 404: it does not even show to exist); auditors see
the audit log only (403 here). Registering and correcting are desk work.
"""

from typing import Any

from oss_router.auth.principal import Principal, Role
from oss_router.errors import NotFound
from oss_router.models import InboundRequest

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.PCCC)
REGISTRARS = (Role.OFFICER, Role.SUPERVISOR, Role.PCCC)
CORRECTORS = (Role.OFFICER, Role.SUPERVISOR)


def may_see(request: InboundRequest, principal: Principal) -> bool:
    if principal.role is Role.AUDITOR:
        return False
    if principal.role is not Role.PCCC:
        return True
    return principal.unit is not None and request.unit == principal.unit


def visible_to(request: InboundRequest | None, principal: Principal) -> InboundRequest:
    """The request if the principal may see it, else 404 ``no such received request``."""
    if request is None or not may_see(request, principal):
        raise NotFound("no such received request")
    return request


def unit_scope(principal: Principal) -> str | None:
    """The only unit whose requests the principal sees (None: every unit). A PCCC token
    without a unit sees nothing (no unit is named by the empty string)."""
    if principal.role is not Role.PCCC:
        return None
    return principal.unit or ""


def assignee_name(principal: Principal) -> str:
    """How ``assigned_to`` names a person: the subject of their token (``sofia``), whatever
    their role, so that "assigned to me" finds what a supervisor assigned them."""
    return principal.subject


def related_visible(entries: list[dict[str, Any]], principal: Principal) -> list[dict[str, Any]]:
    """The related requests the principal may learn of: a PCCC only its own unit's."""
    scope = unit_scope(principal)
    if scope is None:
        return entries
    return [entry for entry in entries if entry.get("unit") == scope]
