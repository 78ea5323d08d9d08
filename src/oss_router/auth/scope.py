"""The one rule of what a caller sees by unit (README "Security", roles): desk officers and
supervisors see every unit's exchanges; a PCCC unit sees its own unit's only (another
unit's do not even show to exist: 404); auditors see the audit log only.

Requests, received requests, case files, messages and their files all follow it; each feature
applies it to the unit its rows carry."""

from oss_router.auth.principal import Principal, Role


def sees_unit(principal: Principal, unit: str | None) -> bool:
    if principal.role is Role.AUDITOR:
        return False
    if principal.role is not Role.PCCC:
        return True
    return principal.unit is not None and unit == principal.unit
