"""Subject fingerprints: equal for the same subject written differently, unequal otherwise."""

from datetime import date
from typing import Any

import pytest

from oss_router.messages.codes import Channel, Kind
from oss_router.routing.duplicate import (
    normalise_text,
    possible_duplicate_warning,
    subject_fingerprint,
)

PERSON = {"family_name": "Wiśniewski", "given_names": "Łukasz Jan", "date_of_birth": "1980-05-17"}


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        pytest.param(Kind.PERSON, PERSON,
                     {"family_name": " WISNIEWSKI ", "given_names": "lukasz  jan",
                      "date_of_birth": "1980-05-17", "sex": "male"}, id="person-case-diacritics"),
        pytest.param(Kind.PERSON, PERSON,
                     {**PERSON, "date_of_birth": date(1980, 5, 17)}, id="person-date-object"),
        pytest.param(Kind.PERSON, {**PERSON, "given_names": ["Łukasz", "Jan"]}, PERSON,
                     id="person-given-names-list"),
        pytest.param(Kind.PERSON, {"family_name": "Müller-Lüdenscheidt"},
                     {"family_name": "muller ludenscheidt"}, id="person-hyphen"),
        pytest.param(Kind.PERSON, {"family_name": "O'Brien"}, {"family_name": "OBRIEN"},
                     id="person-apostrophe"),
        pytest.param(Kind.VEHICLE, {"vin": "wvwzzz1jzxw000001", "colour": "red"},
                     {"vin": "WVW ZZZ1JZ XW000001", "registration_number": "WX 12345"},
                     id="vehicle-vin"),
        pytest.param(Kind.VEHICLE,
                     {"registration_number": "WX 1234A", "registration_country": "pl"},
                     {"registration_number": "wx-1234a", "registration_country": "PL"},
                     id="vehicle-plate"),
        pytest.param(Kind.DOCUMENT,
                     {"document_type": "passport", "document_number": "ab 123456",
                      "issuing_country": "PL"},
                     {"document_type": "Passport", "document_number": "AB123456",
                      "issuing_country": "pl"}, id="document"),
        pytest.param(Kind.DNA, {"profile_reference": "pl-dna-0042", "sample_type": "reference"},
                     {"profile_reference": "PL-DNA-0042"}, id="dna-reference"),
        pytest.param(Kind.DNA, {"loci": {"D3S1358": ["15", "17"], "TH01": ["9.3"]}},
                     {"loci": {"TH01": ["9.3"], "d3s1358": ["17", "15"]}}, id="dna-loci-order"),
    ],
)  # fmt: skip
def test_same_subject_same_fingerprint(
    kind: Kind, first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert subject_fingerprint(kind, first) == subject_fingerprint(kind, second)


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        pytest.param(Kind.PERSON, PERSON, {**PERSON, "date_of_birth": "1980-05-18"}, id="dob"),
        pytest.param(Kind.PERSON, PERSON, {**PERSON, "given_names": "Jan"}, id="given-names"),
        pytest.param(Kind.PERSON, PERSON, {**PERSON, "family_name": "Wiśniewska"}, id="family"),
        pytest.param(Kind.PERSON, {"family_name": "Anna", "given_names": "Lee"},
                     {"family_name": "Anna Lee"}, id="fields-do-not-run-together"),
        pytest.param(Kind.VEHICLE, {"registration_number": "WX1", "registration_country": "PL"},
                     {"registration_number": "WX1", "registration_country": "DE"},
                     id="plate-country"),
        pytest.param(Kind.DOCUMENT,
                     {"document_type": "passport", "document_number": "1", "issuing_country": "PL"},
                     {"document_type": "id_card", "document_number": "1", "issuing_country": "PL"},
                     id="document-type"),
        pytest.param(Kind.DNA, {"loci": {"TH01": ["9.3"]}}, {"loci": {"TH01": ["9"]}},
                     id="dna-allele"),
    ],
)  # fmt: skip
def test_different_subject_different_fingerprint(
    kind: Kind, first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert subject_fingerprint(kind, first) != subject_fingerprint(kind, second)


def test_same_fields_of_another_kind_differ() -> None:
    subject = {
        "document_number": "X1",
        "registration_number": "X1",
        "family_name": "X1",
        "afis_reference": "X1",
    }
    assert len({subject_fingerprint(kind, subject) for kind in Kind if kind != Kind.DNA}) == 4


def test_fingerprints_are_the_same_subject_by_their_afis_reference() -> None:
    first = {"afis_reference": " pl-afis-1 ", "print_type": "tenprint"}
    second = {"afis_reference": "PL-AFIS-1", "print_type": "latent", "finger_positions": [1]}
    assert subject_fingerprint(Kind.FINGERPRINT, first) == subject_fingerprint(
        Kind.FINGERPRINT, second
    )
    assert subject_fingerprint(Kind.FINGERPRINT, first) != subject_fingerprint(
        Kind.FINGERPRINT, {"afis_reference": "PL-AFIS-2"}
    )


def test_fingerprint_is_stable_hex() -> None:
    fingerprint = subject_fingerprint(Kind.PERSON, PERSON)
    assert len(fingerprint) == 64
    int(fingerprint, 16)
    # Stored in the database: a change of normalisation must bump FINGERPRINT_VERSION.
    assert fingerprint == subject_fingerprint(Kind.PERSON, dict(PERSON))


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (Kind.PERSON, {"given_names": "Jan"}),
        (Kind.VEHICLE, {"make": "Skoda"}),
        (Kind.DOCUMENT, {"document_type": "passport", "issuing_country": "PL"}),
        (Kind.DNA, {"sample_type": "crime_scene"}),
        (Kind.DNA, {"loci": {}}),
    ],
)
def test_missing_identifying_fields_raise(kind: Kind, subject: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=kind.value):
        subject_fingerprint(kind, subject)


def test_normalise_text() -> None:
    assert normalise_text("  Łódź–Żółć  d'Artagnan  ") == "lodz zolc dartagnan"
    assert normalise_text("STRAßE Ørsted") == "strasse orsted"


def test_possible_duplicate_warning_names_the_earlier_request() -> None:
    warning = possible_duplicate_warning("REQ-2025-000123", "DE", Channel.EUROPOL)
    assert warning.code == "possible_duplicate"
    assert "DE" in warning.message
    # The id is a field of its own, for the client to link; not text in the message.
    assert "REQ-2025-000123" not in warning.message
    assert warning.details == {
        "country": "DE",
        "channel": "europol",
        "existing_request_id": "REQ-2025-000123",
    }
    assert "SIENA" in warning.message
    assert "Directive (EU) 2023/977 Art. 13" in warning.message


@pytest.mark.parametrize(
    ("channel", "words"),
    [
        (Channel.INTERPOL, "I-24/7"),
        (Channel.SIRENE, "Regulation (EU) 2018/1862 Art. 8"),
        (Channel.LIAISON_OFFICER, "liaison officer"),
        (Channel.PCCC, "cooperation centre"),
    ],
)
def test_the_duplicate_warning_speaks_of_the_target_s_own_channel(
    channel: Channel, words: str
) -> None:
    warning = possible_duplicate_warning("REQ-1", "US", channel)
    assert words in warning.message
    assert "SIENA" not in warning.message
    assert "2023/977" not in warning.message
