"""How the stub registers match: folded names, identifiers, and the Prüm DNA rule."""

from typing import Any

import pytest

from oss_router.messages.codes import Kind
from oss_router_registers.matching import (
    MIN_MATCHING_LOCI,
    fold,
    match_dna,
    match_document,
    match_identifiers,
    match_person,
    match_vehicle,
    matcher_for,
)

RECORD = {
    "family_name": "Wiśniewski-Żak",
    "given_names": "Łukasz Paweł",
    "date_of_birth": "1987-04-12",
    "aliases": ["Wisniewsky"],
}
LOCI = ["D3S1358", "VWA", "D8S1179", "D21S11", "D18S51", "TH01", "FGA", "D2S441"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Wisniewski", "Wiśniewski"),
        ("LUKASZ", "Łukasz"),
        ("Muller", "Müller"),
        ("strasse", "Straße"),
        ("Oeresund", "Œresund"),
        ("Sorensen", "Sørensen"),
        ("nunez", "Núñez"),
        ("Dvorak", "Dvořák"),
        ("kowalczyk zak", "Kowalczyk-Żak"),
        ("O Brien", "O’Brien"),
    ],
)
def test_names_fold_without_diacritics_case_or_separators(typed: str, stored: str) -> None:
    assert fold(typed) == fold(stored)


def test_a_different_name_does_not_fold_to_the_same() -> None:
    assert fold("Wisniewska") != fold("Wiśniewski")


def test_a_person_matches_on_folded_names_and_birth_date() -> None:
    subject = {"family_name": "WISNIEWSKI ZAK", "given_names": "lukasz", "date_of_birth": "1987-04"}
    assert match_person(subject, RECORD) == "name_and_birth_date"
    assert match_person({"family_name": "wiśniewski-żak"}, RECORD) == "name"
    assert match_person({"family_name": "Wisniewsky", "date_of_birth": "1987"}, RECORD) == (
        "alias_and_birth_date"
    )


@pytest.mark.parametrize(
    "subject",
    [
        {"family_name": "Wiśniewski-Żak", "date_of_birth": "1987-04-13"},  # another day
        {"family_name": "Wiśniewski-Żak", "given_names": "Piotr"},  # another person
        {"family_name": "Wiśniewska-Żak", "date_of_birth": "1987-04-12"},
    ],
)
def test_a_person_who_differs_does_not_match(subject: dict[str, Any]) -> None:
    assert match_person(subject, RECORD) is None


def test_a_vehicle_matches_on_vin_or_on_plate_with_its_country() -> None:
    record = {"vin": "WVWZZZ1KZBW123456", "registration_number": "WX 1234A",
              "registration_country": "PL"}  # fmt: skip
    assert match_vehicle({"vin": "wvwzzz1kzbw123456"}, record) == "vin"
    plate = {"registration_number": "WX-1234A", "registration_country": "PL"}
    assert match_vehicle(plate, record) == "registration_number"
    assert match_vehicle({**plate, "registration_country": "DE"}, record) is None
    assert match_vehicle({"vin": "WVWZZZ1KZBW123457"}, record) is None


def test_a_document_matches_on_number_and_issuing_country() -> None:
    record = {"document_type": "passport", "document_number": "EK7654321",
              "issuing_country": "PL"}  # fmt: skip
    subject = {"document_type": "passport", "document_number": "ek 765 4321",
               "issuing_country": "pl"}  # fmt: skip
    assert match_document(subject, record) == "number_and_country"
    as_id_card = {**subject, "document_type": "id_card"}
    assert match_document(as_id_card, record) == "number_and_country (recorded as passport)"
    assert match_document({**subject, "issuing_country": "CZ"}, record) is None


def profile(matching: int, *, extra: int = 0, near: bool = False) -> dict[str, Any]:
    """A subject whose first ``matching`` loci equal ``STORED``; ``extra`` more loci differ
    completely; ``near``: one more locus differs in one allele only."""
    loci = {name: STORED[name] for name in LOCI[:matching]}
    rest = LOCI[matching:]
    if near:
        loci[rest[0]] = [STORED[rest[0]][0], "99"]
        rest = rest[1:]
    loci |= {name: ["30", "31"] for name in rest[:extra]}
    return {"loci": loci}


STORED = {name: [str(10 + i), str(12 + i)] for i, name in enumerate(LOCI)} | {"AMEL": ["X", "Y"]}


def test_dna_needs_six_fully_matching_loci() -> None:
    assert MIN_MATCHING_LOCI == 6
    assert match_dna(profile(6), {"loci": STORED}) == "6 of 6 loci"
    assert match_dna(profile(5), {"loci": STORED}) is None
    assert match_dna(profile(8), {"loci": STORED}) == "8 of 8 loci"


def test_amelogenin_is_not_a_matching_locus() -> None:
    five_and_amelogenin = {"loci": profile(5)["loci"] | {"AMEL": ["X", "Y"]}}
    assert match_dna(five_and_amelogenin, {"loci": STORED}) is None


def test_one_differing_allele_is_a_near_match_two_are_none() -> None:
    assert match_dna(profile(6, near=True), {"loci": STORED}) == (
        "6 of 7 loci, near match (one allele differs)"
    )
    assert match_dna(profile(5, near=True), {"loci": STORED}) is None  # five full: too few
    assert match_dna(profile(6, extra=1), {"loci": STORED}) is None  # a locus differs fully


def test_locus_names_and_homozygous_alleles_compare_as_typed_either_way() -> None:
    stored = {"loci": {name.lower(): ["9", "9"] for name in LOCI[:6]}}
    assert match_dna({"loci": {name: ["9"] for name in LOCI[:6]}}, stored) == "6 of 6 loci"


def test_another_kind_matches_every_field_its_record_names() -> None:
    # A fingerprint register (issue 14) is a data file entry: its records name afis_reference.
    record = {"afis_reference": "PL-AFIS-2026-0001"}
    assert match_identifiers({"afis_reference": "pl-afis-2026-0001", "other": "x"}, record) == (
        "exact"
    )
    assert match_identifiers({"afis_reference": "PL-AFIS-2026-0002"}, record) is None
    assert matcher_for(Kind.PERSON) is match_person
