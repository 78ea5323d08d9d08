"""register_inbound: exactly once per (channel, partner_reference), with its deadline, its
timeline, its related requests and its audit entries (collection, register consultation)."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from oss_router.audit.verify import verify
from oss_router.auth.principal import system_actor
from oss_router.errors import ValidationFailed
from oss_router.inbound import repository
from oss_router.inbound.deadlines import InboundTargets
from oss_router.inbound.registration import (
    Registering,
    prepare_inbound,
    register_inbound,
    register_prepared,
)
from oss_router.inbound.schemas import INBOUND_REGISTRATION
from oss_router.messages.codes import AccessType, RequestStatus
from oss_router.models import AuditEntry, InboundEvent, InboundRequest
from oss_router.registers.service import NationalCheck
from oss_router.unit_of_work import unit_of_work
from tests.inbound.conftest import T0, registration
from tests.support.audit import log_of

REGISTRAR = system_actor("registrar")
CHECK = NationalCheck(
    checked_at=T0,
    registers=["wanted_persons"],
    unavailable=[],
    hits=[],
    access_type=AccessType.INDIRECT,
)


def _prepared(body: dict[str, Any], check: NationalCheck | None = CHECK, **kw: Any) -> Registering:
    return prepare_inbound(
        INBOUND_REGISTRATION.validate_python(body),
        actor=kw.pop("actor", REGISTRAR),
        source=kw.pop("source", "channel"),
        national_check=check,
        now=kw.pop("now", T0),
        targets=InboundTargets(),
        **kw,
    )


async def _register(
    app: FastAPI, body: dict[str, Any], check: NationalCheck | None = CHECK, **kw: Any
) -> tuple[InboundRequest, bool]:
    now = kw.get("now", T0)
    async with unit_of_work(app.state.runtime.sessions) as work:
        return await register_inbound(work, _prepared(body, check, **kw), now)


async def _count(app: FastAPI, model: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_same_partner_reference_twice_is_one_registration(app: FastAPI) -> None:
    first, created = await _register(
        app, registration(urgency="urgent", urgency_ground="deprivation_of_liberty")
    )
    again, created_again = await _register(app, registration(partner_reference="DE-BKA-2026-0001"))
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert await _count(app, InboundRequest) == 1
    assert await _count(app, InboundEvent) == 1
    # urgent, indirectly accessible (the registers say so): 3 days from receipt
    assert first.due_at == T0 + timedelta(hours=72)
    assert first.access_type_source == "registers"


async def test_the_same_reference_on_another_channel_is_another_request(app: FastAPI) -> None:
    await _register(app, registration())
    _, created = await _register(app, registration(channel="sirene"))
    assert created


async def test_receipt_and_register_check_are_audited_on_the_chain(app: FastAPI) -> None:
    request, _ = await _register(app, registration())
    entries = [entry for entry in await log_of(app) if entry.inbound_id == request.id]
    assert [entry.action for entry in entries] == ["collection", "consultation"]
    collection, consultation = entries
    assert collection.actor == REGISTRAR
    assert collection.detail["from"] == {
        "channel": "europol",
        "country": "DE",
        "authority": "Bundeskriminalamt, Wiesbaden",
    }
    assert consultation.detail["via"] == "register check"
    async with app.state.runtime.sessions() as session:
        report = await verify(session)
    assert report.ok, report


async def test_a_person_registering_again_is_logged_as_consulting_the_first(app: FastAPI) -> None:
    request, _ = await _register(app, registration())
    await _register(app, registration(), actor="officer:sofia", source="manual")
    entries = [entry for entry in await log_of(app) if entry.inbound_id == request.id]
    assert [(entry.action, entry.actor) for entry in entries][-1] == (
        "consultation",
        "officer:sofia",
    )


async def test_the_access_type_given_wins_over_the_registers(app: FastAPI) -> None:
    body = registration(
        urgency="urgent", urgency_ground="life_or_physical_integrity", access_type="direct"
    )
    request, _ = await _register(app, body)
    assert (request.access_type, request.access_type_source) == ("direct", "partner")
    assert request.due_at == T0 + timedelta(hours=8)
    manual, _ = await _register(
        app, {**body, "partner_reference": "B"}, source="manual", actor="officer:a"
    )
    assert manual.access_type_source == "officer"


async def test_without_a_check_the_registers_configuration_decides(app: FastAPI) -> None:
    request, _ = await _register(app, registration(), check=None)
    assert request.access_type_source == "registers"
    assert request.national_check is None


async def test_related_requests_are_earlier_received_and_outgoing_ones(
    app: FastAPI, http: Any
) -> None:
    outgoing = await http.post(
        "/v1/requests",
        json={
            "kind": "person",
            "subject": registration()["subject"] | {"family_name": "KOWALSKI"},
            "target_countries": ["DE"],
            "purpose": "Investigation of an organised vehicle theft ring",
        },
    )
    assert outgoing.status_code == 202, outgoing.text
    first, _ = await _register(app, registration(partner_reference="first"))
    second, _ = await _register(app, registration(partner_reference="second"))
    other, _ = await _register(
        app, registration(partner_reference="x", subject={"family_name": "Nowak"})
    )
    assert [(entry["direction"], entry["id"]) for entry in second.related] == [
        ("inbound", str(first.id)),
        ("outgoing", outgoing.json()["id"]),
    ]
    received, sent = second.related
    assert received == {
        "direction": "inbound",
        "id": str(first.id),
        "at": first.received_at.isoformat(),
        "status": first.status,
        "countries": [first.requesting_country],
        "channel": first.channel,
        "unit": first.unit,
    }
    assert (sent["countries"], sent["channel"]) == (["DE"], None)
    assert sent["status"] in set(RequestStatus)  # where the dispatch has got to by now
    assert datetime.fromisoformat(sent["at"]).tzinfo is not None
    assert other.related == []


async def test_an_urgent_request_without_its_ground_names_the_field(app: FastAPI) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await _register(app, registration(urgency="urgent"))
    assert [error.field for error in refused.value.errors] == ["urgency_ground"]


async def test_a_channel_clock_ahead_of_ours_counts_as_now(app: FastAPI) -> None:
    request, _ = await _register(
        app, registration(received_at=(T0 + timedelta(hours=1)).isoformat())
    )
    assert request.received_at == T0


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_concurrent_registrations_on_postgres_make_one_row(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserted: list[bool] = []
    insert_new = repository.insert_new

    async def counted(
        session: Any, rows: list[dict[str, Any]]
    ) -> dict[tuple[str, str], InboundRequest]:
        made = await insert_new(session, rows)
        inserted.append(bool(made))
        return made

    monkeypatch.setattr(repository, "insert_new", counted)
    body = registration(partner_reference="RACE-1")
    results = await asyncio.gather(*(_register(app, body) for _ in range(8)))
    # Every one met the others at the insert: one row made, the other seven found it.
    assert inserted.count(True) == 1
    assert inserted.count(False) == 7
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert len({request.id for request, _ in results}) == 1
    assert await _count(app, InboundRequest) == 1
    assert await _count(app, InboundEvent) == 1
    async with app.state.runtime.sessions() as session:
        collections = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "collection")
        )
    assert collections == 1


async def test_every_deadline_case_is_stored_from_the_received_time(app: FastAPI) -> None:
    """Each channel × urgency × access type of ``test_deadlines``, through registration."""
    from tests.inbound.test_deadlines import CASES, TARGETS

    received = T0 - timedelta(minutes=30, microseconds=7)
    for index, (channel, country, urgency, access, hours, words) in enumerate(CASES):
        body = registration(
            partner_reference=f"case-{index}",
            channel=channel.value,
            requesting_country=country,
            urgency=urgency.value,
            urgency_ground="loss_of_relevance" if urgency.value == "urgent" else None,
            access_type=access.value,
            received_at=received.isoformat(),
        )
        async with unit_of_work(app.state.runtime.sessions) as work:
            registering = prepare_inbound(
                INBOUND_REGISTRATION.validate_python(body),
                actor=REGISTRAR,
                source="channel",
                national_check=None,
                now=T0,
                targets=TARGETS,
            )
            request, created = await register_inbound(work, registering, T0)
        assert created
        assert request.received_at == received
        assert request.due_at == received + timedelta(hours=hours), (channel, urgency, access)
        assert words in request.deadline_basis


async def _register_batch(
    app: FastAPI, bodies: list[dict[str, Any]]
) -> list[tuple[InboundRequest, bool]]:
    async with unit_of_work(app.state.runtime.sessions) as work:
        return await register_prepared(work, [_prepared(body) for body in bodies], T0)


def _about(family_name: str, reference: str) -> dict[str, Any]:
    subject = registration()["subject"] | {"family_name": family_name}
    return registration(partner_reference=reference, subject=subject)


async def test_a_batch_registers_each_once_with_its_related_requests(app: FastAPI) -> None:
    """One lookup and one insert for the batch: each new request gets its own related ones,
    and one registered before is found, not registered again."""
    kowalski, _ = await _register(app, _about("Kowalski", "e1"))
    mueller, _ = await _register(app, _about("Müller", "e2"))
    results = await _register_batch(
        app, [_about("Kowalski", "a"), _about("Nowak", "b"), _about("Müller", "e2")]
    )
    assert [created for _, created in results] == [True, True, False]
    (new_kowalski, _), (nowak, _), (again, _) = results
    assert [entry["id"] for entry in new_kowalski.related] == [str(kowalski.id)]
    assert nowak.related == []
    assert again.id == mueller.id
    assert await _count(app, InboundRequest) == 4
    assert await _count(app, InboundEvent) == 4  # one "received" each, none for the repeat


async def test_two_of_a_batch_about_one_subject_see_each_other(app: FastAPI) -> None:
    """The second lists the first among its related requests, as it would arriving later;
    a second copy of a request in the same batch is found, not registered twice."""
    results = await _register_batch(
        app, [_about("Lis", "d1"), _about("Lis", "d2"), _about("Lis", "d1")]
    )
    assert [created for _, created in results] == [True, True, False]
    (first, _), (second, _), (copy, _) = results
    assert [entry["id"] for entry in second.related] == [str(first.id)]
    assert copy.id == first.id
    assert await _count(app, InboundRequest) == 2
