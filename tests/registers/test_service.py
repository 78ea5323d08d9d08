"""The registers service: every register holding a kind, asked at once, failures reported."""

import asyncio
import time
from datetime import UTC, datetime

import pytest

from oss_router.messages.codes import AccessType, Kind
from oss_router.registers import service
from oss_router.registers.contract import RegisterError
from oss_router.registers.service import NationalCheck, NationalRegisters
from tests.registers.fakes import FakeRegister

SUBJECT = {"family_name": "Nowak"}
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def registers(*clients: FakeRegister, timeout: float = 1.0) -> NationalRegisters:
    return NationalRegisters(
        {client.name: client for client in clients}, timeout_seconds=timeout, clock=lambda: NOW
    )


async def test_every_register_holding_the_kind_is_asked_and_only_those() -> None:
    wanted, missing = FakeRegister("wanted"), FakeRegister("missing")
    vehicles = FakeRegister("vehicles", frozenset({Kind.VEHICLE}))
    check = await registers(wanted, missing, vehicles).check(Kind.PERSON, SUBJECT)
    assert check.registers == ["missing", "wanted"]
    assert [hit.register for hit in check.hits] == ["missing", "wanted"]
    assert check.unavailable == []
    assert check.checked_at == NOW
    assert vehicles.asked == []
    assert wanted.asked == [(Kind.PERSON, SUBJECT)]


async def test_registers_are_asked_concurrently() -> None:
    slow = [FakeRegister(f"r{i}", delay=0.2) for i in range(5)]
    started = time.monotonic()
    check = await registers(*slow).check(Kind.PERSON, SUBJECT)
    assert time.monotonic() - started < 0.6  # five in turn would take a second
    assert len(check.hits) == 5


async def test_a_register_that_does_not_answer_in_time_is_unavailable() -> None:
    fast, hung = FakeRegister("fast"), FakeRegister("hung", delay=30)
    started = time.monotonic()
    check = await registers(fast, hung, timeout=0.2).check(Kind.PERSON, SUBJECT)
    assert time.monotonic() - started < 1
    assert check.unavailable == ["hung"]
    assert check.registers == ["fast", "hung"]  # asked, even though it did not answer
    assert [hit.register for hit in check.hits] == ["fast"]


@pytest.mark.parametrize(
    "broken",
    [
        FakeRegister("broken", error=RegisterError("down")),
        FakeRegister("broken", error=RuntimeError("a bug in the client")),
        FakeRegister("broken", answer="not a list of hits"),
        FakeRegister("broken", answer=[{"register": "broken"}]),
    ],
)
async def test_a_failing_register_is_named_and_never_raises(broken: FakeRegister) -> None:
    check = await registers(FakeRegister("good"), broken).check(Kind.PERSON, SUBJECT)
    assert check.unavailable == ["broken"]
    assert [hit.register for hit in check.hits] == ["good"]


async def test_a_failure_is_logged_without_its_message(caplog: pytest.LogCaptureFixture) -> None:
    broken = FakeRegister("broken", error=RegisterError("Nowak, born 1980, not found"))
    await registers(broken).check(Kind.PERSON, SUBJECT)
    assert "broken" in caplog.text
    assert "Nowak" not in caplog.text  # the message may quote the subject


async def test_a_kind_no_register_holds_is_checked_nowhere() -> None:
    check = await registers(FakeRegister("wanted")).check(Kind.DNA, {"loci": {}})
    assert check == NationalCheck(
        checked_at=NOW, registers=[], unavailable=[], hits=[], access_type=AccessType.INDIRECT
    )


def test_access_is_direct_only_when_every_register_holding_the_kind_is() -> None:
    both_direct = registers(FakeRegister("a"), FakeRegister("b"))
    assert both_direct.access_type_for(Kind.PERSON) is AccessType.DIRECT
    one_indirect = registers(FakeRegister("a"), FakeRegister("b", access_type=AccessType.INDIRECT))
    assert one_indirect.access_type_for(Kind.PERSON) is AccessType.INDIRECT
    assert both_direct.access_type_for(Kind.VEHICLE) is AccessType.INDIRECT  # none holds it


async def test_the_check_says_the_access_type_and_travels_as_json() -> None:
    indirect = FakeRegister("dna", frozenset({Kind.DNA}), access_type=AccessType.INDIRECT)
    check = await registers(indirect).check(Kind.DNA, {"loci": {}})
    assert check.access_type is AccessType.INDIRECT
    assert NationalCheck.model_validate_json(check.model_dump_json()) == check


async def test_check_subject_asks_the_installed_registers() -> None:
    fake = FakeRegister("wanted")
    service.install(registers(fake))
    check = await service.check_subject(Kind.PERSON, SUBJECT)
    assert [hit.register for hit in check.hits] == ["wanted"]
    assert service.access_type_for(Kind.PERSON) is AccessType.DIRECT


async def test_without_installed_registers_the_installed_stubs_are_loaded() -> None:
    check = await service.check_subject(Kind.VEHICLE, {"vin": "WVWZZZ1KZBW123456"})
    assert check.registers == ["stolen_vehicles"]
    assert [hit.record_reference for hit in check.hits] == ["PL-SV-2026-010233"]
    assert service.access_type_for(Kind.DNA) is AccessType.INDIRECT  # the data file says so


async def test_closing_uninstalls_and_closes_every_client() -> None:
    fake = FakeRegister("wanted")
    national = registers(fake)
    service.install(national)
    await service.close_registers(national)
    assert fake.closed == 1
    assert service.installed() is not national  # loaded again from the environment


async def test_a_cancelled_check_is_not_reported_as_unavailable() -> None:
    # Cancellation (a client gone, a shutdown) must stop the check, not be swallowed as a failure.
    task = asyncio.create_task(registers(FakeRegister("slow", delay=5)).check(Kind.PERSON, {}))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
