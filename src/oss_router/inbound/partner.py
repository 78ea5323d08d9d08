"""A partner's message, as the registrar registers it: ``PartnerMessage`` → registration.

The registrar (the role that consumes the ``oss_router.inbound`` queue) runs the national
check first, outside any transaction, then calls ``register_partner_messages`` in its unit of
work, for the requests of a batch together. A message that cannot be registered as sent
raises ``ValidationFailed`` naming the fields (``subject.family_name``, ``urgency_ground``):
not worth a retry, a dead letter.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from oss_router.auth.principal import system_actor
from oss_router.errors import FieldError, ValidationFailed
from oss_router.field_messages import sentence
from oss_router.inbound.deadlines import InboundTargets
from oss_router.inbound.registration import (
    prepare_inbound,
    register_prepared,
    require_urgency_ground,
)
from oss_router.inbound.schemas import INBOUND_REGISTRATION, InboundRegistration
from oss_router.messages.codes import Kind
from oss_router.messages.inbound import PartnerMessage
from oss_router.models import InboundRequest
from oss_router.registers.service import NationalCheck
from oss_router.unit_of_work import UnitOfWork

REGISTRAR = system_actor("registrar")
_FIELDS = (
    "channel",
    "partner_reference",
    "requesting_country",
    "requesting_authority",
    "received_at",
    "kind",
    "subject",
    "purpose",
    "urgency",
    "urgency_ground",
    "access_type",
    "language",
    "handling_code",
    "unit",
)
_KINDS = {kind.value for kind in Kind}


def registration_from_message(message: PartnerMessage) -> InboundRegistration:
    """The registration a partner's request amounts to, validated as ``POST /v1/inbound``."""
    if message.type != "request":
        raise ValidationFailed(
            "only a request is registered",
            errors=[FieldError("type", "A clarification is not a request to register.")],
        )
    document: dict[str, Any] = {
        name: value for name in _FIELDS if (value := getattr(message, name)) is not None
    }
    try:
        registration = INBOUND_REGISTRATION.validate_python(document)
    except ValidationError as error:
        raise ValidationFailed(
            "the partner's message cannot be registered as sent",
            errors=[_field_error(item) for item in error.errors()],
        ) from None
    require_urgency_ground(registration)
    return registration


def _field_error(item: Any) -> FieldError:
    name = _name(item.get("loc", ()))
    return FieldError(name, sentence(item, name))


def _name(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in _KINDS:
        del parts[0]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "kind"


async def register_partner_messages(
    work: UnitOfWork,
    requests: Sequence[tuple[PartnerMessage, InboundRegistration, NationalCheck | None]],
    *,
    now: datetime,
    targets: InboundTargets | None = None,
) -> list[tuple[InboundRequest, bool]]:
    """``register_inbound`` of each partner's request (its registration from
    ``registration_from_message``, its national check), by the registrar, with its
    correlation id: together, in one lookup of related requests and one insert."""
    prepared = [
        prepare_inbound(
            registration,
            actor=REGISTRAR,
            source="channel",
            national_check=check,
            now=now,
            targets=targets,
            correlation_id=message.correlation_id,
        )
        for message, registration, check in requests
    ]
    return await register_prepared(work, prepared, now)
