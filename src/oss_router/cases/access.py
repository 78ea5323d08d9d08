"""Who may see and do what with case files: as for requests (README "Security", roles).

Desk officers and supervisors see every case; a PCCC unit sees only its own unit's cases
(another unit's is a 404: it does not even show to exist); auditors see the audit log only
(403). Whoever may see a case may work it (link, unlink, close, reopen).
"""

from oss_router.auth.principal import Principal, Role
from oss_router.errors import NotFound
from oss_router.models import CaseFile

READERS = (Role.OFFICER, Role.SUPERVISOR, Role.PCCC)
WORKERS = READERS


def may_see(case: CaseFile, principal: Principal) -> bool:
    if principal.role is Role.AUDITOR:
        return False
    if principal.role is not Role.PCCC:
        return True
    return principal.unit is not None and case.unit == principal.unit


def visible_to(case: CaseFile | None, principal: Principal) -> CaseFile:
    """The case if the principal may see it, else 404 ``no such case``."""
    if case is None or not may_see(case, principal):
        raise NotFound("no such case")
    return case


def unit_scope(principal: Principal) -> str | None:
    """The only unit whose cases the principal sees (None: every unit; "" for a PCCC token
    without a unit: it sees none)."""
    if principal.role is not Role.PCCC:
        return None
    return principal.unit or ""
