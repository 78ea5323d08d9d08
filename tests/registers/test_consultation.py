"""A register check as an audit entry (LED 2016/680 Art. 25(1)): the helper other features
call within their unit of work (the inbound registrar, say), and what it writes."""

from datetime import UTC, datetime

from fastapi import FastAPI

from oss_router.audit.service import Actor
from oss_router.messages.codes import AccessType, Kind
from oss_router.registers.consultation import check_and_record, check_consultation
from oss_router.registers.service import NationalCheck
from oss_router.unit_of_work import unit_of_work
from tests.support.audit import log_of

WANTED = {"family_name": "Dąbrowski", "given_names": "Pawel", "date_of_birth": "1992-07-01"}
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


async def test_a_check_within_a_unit_of_work_is_chained_as_a_consultation(app: FastAPI) -> None:
    registrar = Actor.system("system:registrar")
    async with unit_of_work(app.state.runtime.sessions) as uow:
        check = await check_and_record(
            uow.session,
            Kind.PERSON,
            WANTED,
            registrar,
            NOW,
            request_id=None,
            justification="Request received from DE, SIENA 2026/77",
            context="inbound",
        )
    assert [hit.record_reference for hit in check.hits] == ["PL-WP-2026-000031"]
    [entry] = [entry for entry in await log_of(app) if entry.action == "consultation"]
    assert entry.actor == "system:registrar"
    assert entry.role == "system"
    assert entry.justification == "Request received from DE, SIENA 2026/77"
    assert entry.detail["context"] == "inbound"
    assert entry.detail["hits"] == [
        {"register": "wanted_persons", "record_reference": "PL-WP-2026-000031"}
    ]


async def test_a_rolled_back_unit_of_work_leaves_no_entry(app: FastAPI) -> None:
    class Abandoned(Exception):
        pass

    try:
        async with unit_of_work(app.state.runtime.sessions) as uow:
            await check_and_record(
                uow.session, Kind.PERSON, WANTED, Actor.system("system:registrar"), NOW,
                request_id=None, justification=None, context="inbound",
            )  # fmt: skip
            raise Abandoned
    except Abandoned:
        pass
    assert [entry for entry in await log_of(app) if entry.action == "consultation"] == []


def test_a_check_that_consulted_no_register_is_not_logged() -> None:
    nothing = NationalCheck(
        checked_at=NOW, registers=[], unavailable=[], hits=[], access_type=AccessType.INDIRECT
    )
    actor = Actor("officer:anna", "officer")
    records = check_consultation(
        nothing, Kind.DNA, actor, request_id=None, justification=None, context="preview"
    )
    assert records == []
