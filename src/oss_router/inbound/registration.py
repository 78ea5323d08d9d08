"""Registering a request a partner sent us: exactly once per (channel, partner_reference).

Directive (EU) 2023/977 Art. 16(1)(a): the single point of contact records every incoming
request in its case management system; Art. 16(1)(d) asks it to cross-check what it already
holds (the national check, done by the caller *before* the transaction, and the related
requests found here). LED 2016/680 Art. 25: the receipt is a *collection* of personal data
(from whom), the register check a *consultation*; both go on the audit chain, last in the
transaction (``audit.service.append`` takes the chain-head lock). Never commits.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.config import get_settings
from oss_router.errors import FieldError, ValidationFailed
from oss_router.inbound import repository
from oss_router.inbound.deadlines import Due, InboundTargets, compute_due
from oss_router.inbound.replies import stage_inbound_notice
from oss_router.inbound.schemas import InboundRegistration
from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import AccessType, InboundStatus, Kind, Urgency
from oss_router.messages.subjects import subject_document
from oss_router.models import InboundRequest
from oss_router.registers.consultation import check_consultation
from oss_router.registers.service import NationalCheck, access_type_for
from oss_router.routing.duplicate import subject_fingerprint
from oss_router.search.documents import inbound_text
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork

Source = Literal["channel", "manual"]
RECEIVED_EVENT = "received"
# A request registered by hand may have arrived some time ago (a letter), not in the future;
# a channel's clock may run a little ahead of ours (its time is then taken as now).
MAX_AGE = timedelta(days=366)
CLOCK_SKEW = timedelta(minutes=2)


class NationalChecker(Protocol):
    """What the national registers hold on a subject (``registers.service.check_subject``)."""

    async def __call__(self, kind: Kind, subject: Mapping[str, Any]) -> NationalCheck: ...


def actor_of(actor: str | Actor) -> Actor:
    """An audit actor from a timeline name (``system:registrar``, ``officer:sofia``)."""
    if isinstance(actor, Actor):
        return actor
    role, _, _ = actor.partition(":")
    return Actor(actor, role or "system")


@dataclass(frozen=True)
class Registering:
    """A registration ready for its insert (``prepare_inbound``): its row's values but the
    related requests, and what its event and audit entries need."""

    who: Actor
    national_check: NationalCheck | None
    values: dict[str, Any]

    @property
    def subject_key(self) -> tuple[str, str]:
        return self.values["kind"], self.values["subject_fingerprint"]


async def register_inbound(
    work: UnitOfWork, registering: Registering, now: datetime
) -> tuple[InboundRequest, bool]:
    """Register the request (``prepare_inbound``), or find its first registration:
    ``(request, created)``.

    Idempotent on (channel, partner_reference), also when two transactions register the same
    request at once (PostgreSQL: the unique constraint, ``repository.insert_new``). A new
    registration gets its related requests, the ``received`` event and its audit entries; a
    repeated one changes nothing (a person shown the first registration is logged as
    consulting it). A batch of one of ``register_prepared``.
    """
    [registered] = await register_prepared(work, [registering], now)
    return registered


def prepare_inbound(
    registration: InboundRegistration,
    *,
    actor: str | Actor,
    source: Source,
    national_check: NationalCheck | None,
    now: datetime,
    targets: InboundTargets | None = None,
    correlation_id: str | None = None,
) -> Registering:
    """The row of a registration, with its deadline (``deadlines.compute_due``);
    ``ValidationFailed`` naming the field when the request cannot be registered as given
    (urgent without a ground, received in the future). No database work."""
    who = actor_of(actor)
    received_at = _received_at(registration, source, now)
    access_type, access_source = _access_type(registration, source, national_check)
    due = compute_due(
        channel=registration.channel,
        requesting_country=registration.requesting_country,
        urgency=registration.urgency,
        access_type=access_type,
        received_at=received_at,
        targets=targets or InboundTargets.from_settings(get_settings()),
    )
    subject = subject_document(registration.subject)
    fingerprint = subject_fingerprint(registration.kind, subject)
    values = _row(registration, who, source, now, received_at, subject, fingerprint, due)
    values |= {
        "access_type": access_type.value,
        "access_type_source": access_source,
        "national_check": national_check.model_dump(mode="json") if national_check else None,
        "correlation_id": correlation_id or f"inbound-{values['id']}",
    }
    return Registering(who, national_check, values)


async def register_prepared(
    work: UnitOfWork, batch: Sequence[Registering], now: datetime
) -> list[tuple[InboundRequest, bool]]:
    """``register_inbound`` of each, in order: one lookup of related requests and one insert
    for the whole batch (two statements, not two per request: decision 0037).

    Two of the batch about the same subject are registered one after the other instead, so
    that the second lists the first among its related requests, as it would have arriving
    later."""
    if len(batch) > 1 and len({one.subject_key for one in batch}) < len(batch):
        return [done for one in batch for done in await register_prepared(work, [one], now)]
    session = work.session
    related = await repository.related_to_subjects(session, [one.subject_key for one in batch])
    rows = [
        one.values | {"related": [_related_document(each) for each in related[one.subject_key]]}
        for one in batch
    ]
    # No lookup first: a registration seen again is rare (the registrar's inbox already drops
    # a message delivered twice), and the unique constraint finds it as surely, also in a race.
    inserted = await repository.insert_new(session, rows)
    return [
        await _registered(work, one, row, inserted, now)
        for one, row in zip(batch, rows, strict=True)
    ]


async def _registered(
    work: UnitOfWork,
    one: Registering,
    row: dict[str, Any],
    inserted: dict[tuple[str, str], InboundRequest],
    now: datetime,
) -> tuple[InboundRequest, bool]:
    # Popped: a second row of the batch for the same request finds the first registered.
    request = inserted.pop((row["channel"], row["partner_reference"]), None)
    if request is None:  # registered already, or meanwhile by another transaction
        first = await repository.find(work.session, row["channel"], row["partner_reference"])
        assert first is not None, "the conflicting registration is committed"
        await _seen_again(work, first, one.who, now)
        return first, False
    _record_received(work, request, one.who, one.national_check)
    stage_inbound_notice(work, request, now)  # the Incoming queues show it within seconds
    metrics.count_inbound(work, request.channel, request.urgency, request.source)
    audit.append_at_commit(work, _records(request, one.who, one.national_check), now)
    return request, True


def require_urgency_ground(registration: InboundRegistration) -> None:
    """An urgent request states its ground (Directive (EU) 2023/977 Art. 4(4)), else 422."""
    if registration.urgency is Urgency.URGENT and registration.urgency_ground is None:
        raise ValidationFailed(
            "an urgent request states its ground",
            errors=[
                FieldError(
                    "urgency_ground",
                    "Give the ground that makes the request urgent "
                    "(Directive (EU) 2023/977 Art. 4(4)).",
                )
            ],
        )


def _received_at(registration: InboundRegistration, source: Source, now: datetime) -> datetime:
    require_urgency_ground(registration)
    received_at = registration.received_at or now
    if received_at > now + CLOCK_SKEW:
        if source == "channel":
            return now
        raise ValidationFailed(
            "received_at is in the future",
            errors=[
                FieldError("received_at", "Give a time of receipt that is not later than now.")
            ],
        )
    if received_at < now - MAX_AGE:
        raise ValidationFailed(
            "received_at is more than a year ago",
            errors=[FieldError("received_at", "Give a time of receipt within the last year.")],
        )
    return min(received_at, now)


def _access_type(
    registration: InboundRegistration, source: Source, check: NationalCheck | None
) -> tuple[AccessType, str]:
    """Ours to decide: as given at registration (by the officer, or by the partner's message),
    else from the national registers holding the kind (Art. 2(6), (7); Art. 5(1))."""
    if registration.access_type is not None:
        return registration.access_type, "officer" if source == "manual" else "partner"
    if check is not None:
        return check.access_type, "registers"
    return access_type_for(registration.kind), "registers"


def _row(
    registration: InboundRegistration,
    who: Actor,
    source: Source,
    now: datetime,
    received_at: datetime,
    subject: dict[str, Any],
    fingerprint: str,
    due: Due,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "channel": registration.channel.value,
        "partner_reference": registration.partner_reference,
        "source": source,
        "requesting_country": registration.requesting_country,
        "requesting_authority": registration.requesting_authority,
        "unit": registration.unit,
        "received_at": received_at,
        "registered_at": now,
        "registered_by": who.name,
        "kind": registration.kind.value,
        "subject": subject,
        "subject_fingerprint": fingerprint,
        "purpose": registration.purpose,
        "urgency": registration.urgency.value,
        "urgency_ground": registration.urgency_ground.value
        if registration.urgency_ground
        else None,
        "language": registration.language,
        "handling_code": registration.handling_code.value,
        "status": InboundStatus.RECEIVED.value,
        "due_at": due.due_at,
        "deadline_basis": due.basis,
        "updated_at": now,
        # What GET /v1/search matches, in the same insert.
        "search_text": inbound_text(
            subject,
            registration.partner_reference,
            registration.requesting_authority,
        ),
    }


def _related_document(related: repository.Related) -> dict[str, Any]:
    return {
        "direction": related.direction,
        "id": str(related.id),
        "at": related.at.isoformat(),
        "status": related.status,
        "countries": related.countries,
        "channel": related.channel,
        "unit": related.unit,
    }


def _record_received(
    work: UnitOfWork, request: InboundRequest, who: Actor, check: NationalCheck | None
) -> None:
    detail: dict[str, Any] = {
        "source": request.source,
        "channel": request.channel,
        "requesting_country": request.requesting_country,
        "received_at": request.received_at.isoformat(),
        "due_at": request.due_at.isoformat(),
        "deadline_basis": request.deadline_basis,
        "access_type": request.access_type,
        "access_type_source": request.access_type_source,
        "related": len(request.related),
        "register_hits": len(check.hits) if check else None,
        "registers_unavailable": check.unavailable if check else None,
    }
    record_inbound_event(
        work,
        inbound_id=request.id,
        type=RECEIVED_EVENT,
        actor=who.name,
        at=request.registered_at,
        to_status=InboundStatus.RECEIVED.value,
        detail=detail,
    )


def _records(request: InboundRequest, who: Actor, check: NationalCheck | None) -> list[AuditRecord]:
    """The collection (from whom: the requesting state and authority, through which channel)
    and the register check (a consultation of the registers), both naming the request."""
    collection = AuditRecord(
        Action.COLLECTION,
        who,
        None,
        request.purpose,
        detail={
            "via": "inbound registration",
            "source": request.source,
            "from": {
                "channel": request.channel,
                "country": request.requesting_country,
                "authority": request.requesting_authority,
            },
            "kind": request.kind,
        },
        inbound_id=request.id,
    )
    records = [collection]
    if check is not None:
        consultations = check_consultation(
            check,
            Kind(request.kind),
            who,
            request_id=None,
            justification=request.purpose,
            context="inbound",
        )
        records += [replace(record, inbound_id=request.id) for record in consultations]
    return records


async def _seen_again(work: UnitOfWork, request: InboundRequest, who: Actor, now: datetime) -> None:
    """A person who registers a request again is shown the first registration: logged as a
    consultation of it. The registrar (a system actor) is shown nothing."""
    if who.role == audit.SYSTEM_ROLE or request.purged_at is not None:
        return
    record = AuditRecord(
        Action.CONSULTATION,
        who,
        None,
        request.purpose,
        detail={"via": "repeated registration"},
        inbound_id=request.id,
    )
    await audit.append(work.session, [record], now)
