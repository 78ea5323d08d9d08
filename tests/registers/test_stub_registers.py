"""The stub registers through the service, as the gateway loads them: seeded data, latency,
errors and access type configured through ``OSS_ROUTER_REGISTER_<NAME>_<KEY>``."""

import json
import time
from pathlib import Path
from typing import Any

import pytest

from oss_router.messages.codes import AccessType, Kind
from oss_router.registers import service
from oss_router.registers.contract import RegisterConfigError, RegisterError
from oss_router_registers import StubRegister, wanted_persons
from oss_router_registers.data import register_data
from oss_router_registers.settings import parse_settings

# The seeded crime scene stain PL-DNA-2025-000884 (data/registers.json), amelogenin aside.
STAIN = {
    "D3S1358": ["14", "16"],
    "vWA": ["17", "19"],
    "D8S1179": ["12", "15"],
    "D21S11": ["28", "31.2"],
    "D18S51": ["13", "17"],
    "TH01": ["6", "9"],
    "FGA": ["20", "22"],
    "D2S441": ["10", "14"],
}


def dna(loci: dict[str, list[str]]) -> dict[str, Any]:
    return {"profile_reference": "CZ-77", "sample_type": "crime_scene", "loci": loci}


@pytest.mark.parametrize(
    "typed",
    [
        {"family_name": "Wiśniewski", "given_names": "Łukasz", "date_of_birth": "1987-04-12"},
        {"family_name": "WISNIEWSKI", "given_names": "LUKASZ", "date_of_birth": "1987-04-12"},
        {"family_name": "wisniewski", "date_of_birth": "1987"},
    ],
)
async def test_a_wanted_person_is_found_however_the_name_is_typed(typed: dict[str, Any]) -> None:
    check = await service.check_subject(Kind.PERSON, typed)
    assert check.registers == ["missing_persons", "wanted_persons"]
    assert [hit.record_reference for hit in check.hits] == ["PL-WP-2025-000117"]
    assert check.access_type is AccessType.DIRECT


async def test_the_test_suites_usual_subjects_are_unknown_to_us() -> None:
    person = {"family_name": "Kowalski", "given_names": "Jan Maria", "date_of_birth": "1980-02-17"}
    assert (await service.check_subject(Kind.PERSON, person)).hits == []


@pytest.mark.parametrize(("loci", "hit"), [(6, True), (5, False)])
async def test_a_dna_hit_needs_six_matching_loci(loci: int, hit: bool) -> None:
    # Six loci of the stain, and unrelated ones so that the profile stays searchable.
    subject = {name: STAIN[name] for name in list(STAIN)[:loci]}
    check = await service.check_subject(Kind.DNA, dna(subject))
    assert [h.record_reference for h in check.hits] == (["PL-DNA-2025-000884"] if hit else [])
    if hit:
        assert check.hits[0].match == "6 of 6 loci"
    assert check.access_type is AccessType.INDIRECT  # the DNA database is held by the laboratory


async def test_latency_and_errors_are_configured_per_register(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OSS_ROUTER_REGISTER_MISSING_PERSONS_LATENCY_MS", "150")
    monkeypatch.setenv("OSS_ROUTER_REGISTER_MISSING_PERSONS_LATENCY_JITTER_MS", "0")
    monkeypatch.setenv("OSS_ROUTER_REGISTER_WANTED_PERSONS_ERROR_RATE", "1")
    started = time.monotonic()
    check = await service.check_subject(Kind.PERSON, {"family_name": "Zielińska"})
    assert time.monotonic() - started >= 0.15
    assert check.unavailable == ["wanted_persons"]
    assert [hit.record_reference for hit in check.hits] == ["PL-MP-2026-000208"]


async def test_the_stub_waits_its_latency_through_the_injected_sleep() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    settings = parse_settings("wanted_persons", {"latency_ms": "40", "latency_jitter_ms": "10"})
    stub = StubRegister("wanted_persons", register_data("wanted_persons"), settings, sleep=sleep)
    for _ in range(20):
        await stub.check(Kind.PERSON, {"family_name": "Nobody"})
    assert len(slept) == 20
    assert all(0.03 <= seconds <= 0.05 for seconds in slept)


async def test_an_error_rate_fails_about_that_share_of_checks() -> None:
    stub = wanted_persons({"latency_ms": "0", "error_rate": "0.3", "seed": "7"})
    failures = 0
    for _ in range(200):
        try:
            await stub.check(Kind.PERSON, {"family_name": "Nobody"})
        except RegisterError:
            failures += 1
    assert 40 <= failures <= 80


def test_the_access_type_can_be_corrected_by_configuration() -> None:
    assert wanted_persons({}).access_type is AccessType.DIRECT
    assert wanted_persons({"access_type": "indirect"}).access_type is AccessType.INDIRECT


async def test_a_data_file_of_ones_own_replaces_the_shipped_records(tmp_path: Path) -> None:
    path = tmp_path / "registers.json"
    path.write_text(
        json.dumps(
            {
                "registers": {
                    "wanted_persons": {
                        "description": "test",
                        "kinds": ["person"],
                        "access_type": "indirect",
                        "records": [
                            {
                                "reference": "T-1",
                                "summary": "Wanted for a test",
                                "subject": {"family_name": "Łęcka"},
                            }
                        ],
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    stub = wanted_persons({"data_file": str(path), "latency_ms": "0"})
    assert stub.access_type is AccessType.INDIRECT
    hits = await stub.check(Kind.PERSON, {"family_name": "LECKA"})
    assert [hit.record_reference for hit in hits] == ["T-1"]


@pytest.mark.parametrize(
    ("registers", "message"),
    [
        ({}, "has no register 'wanted_persons'"),
        (
            {
                "wanted_persons": {
                    "description": "x",
                    "kinds": ["person"],
                    "access_type": "direct",
                    "records": [{"reference": "T-2", "summary": "s", "subject": {"vin": "X"}}],
                }
            },
            r"record 'T-2' \(person\): family_name missing",
        ),
        (
            {
                "wanted_persons": {
                    "description": "x",
                    "kinds": [],
                    "access_type": "direct",
                    "records": [],
                }
            },
            "cannot be used",
        ),
    ],
)
def test_a_bad_data_file_stops_the_start(
    tmp_path: Path, registers: dict[str, Any], message: str
) -> None:
    path = tmp_path / "registers.json"
    path.write_text(json.dumps({"registers": registers}), encoding="utf-8")
    with pytest.raises(RegisterConfigError, match=message):
        wanted_persons({"data_file": str(path)})
