"""Registering by hand a request that reached the bureau outside the channel systems (e-mail,
phone, paper): the national check first, outside any lock, then ``register_inbound``."""

import logging
from datetime import datetime

from oss_router.audit.service import Actor
from oss_router.auth.principal import Principal, Role
from oss_router.errors import Conflict, FieldError, Forbidden
from oss_router.inbound.access import may_see
from oss_router.inbound.deadlines import InboundTargets
from oss_router.inbound.registration import NationalChecker, prepare_inbound, register_inbound
from oss_router.inbound.schemas import InboundRegistration
from oss_router.messages.subjects import subject_document
from oss_router.models import InboundRequest
from oss_router.registers.service import NationalCheck
from oss_router.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def _for_unit(registration: InboundRegistration, principal: Principal) -> InboundRegistration:
    """A PCCC registers for its own unit only (403 naming ``unit`` for another one)."""
    if principal.role is not Role.PCCC:
        return registration
    if registration.unit is not None and registration.unit != principal.unit:
        raise Forbidden(
            "a PCCC registers requests for its own unit only",
            errors=[FieldError("unit", "Leave the unit out, or give your own unit.")],
        )
    return registration.model_copy(update={"unit": principal.unit})


async def national_check(
    checker: NationalChecker, registration: InboundRegistration
) -> NationalCheck | None:
    """What the registers hold; None when the check itself could not run (the request is
    registered all the same, and its read shows no check)."""
    try:
        return await checker(registration.kind, subject_document(registration.subject))
    except Exception:  # a register failure must never refuse a registration
        log.exception("national check failed; registering without it")
        return None


async def register_manual(
    work: UnitOfWork,
    checker: NationalChecker,
    registration: InboundRegistration,
    principal: Principal,
    now: datetime,
    targets: InboundTargets,
) -> tuple[InboundRequest, bool]:
    """``(request, created)``; the first registration when it is registered already (409 if
    that one belongs to a unit the caller may not see)."""
    registration = _for_unit(registration, principal)
    # Before the unit of work's first statement: no lock is held while the registers answer.
    check = await national_check(checker, registration)
    registering = prepare_inbound(
        registration,
        actor=Actor.of(principal),
        source="manual",
        national_check=check,
        now=now,
        targets=targets,
    )
    request, created = await register_inbound(work, registering, now)
    if not may_see(request, principal):
        raise Conflict("this partner reference is registered already, for another unit")
    return request, created
