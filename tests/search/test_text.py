"""What ``search_text`` stores and what a search looks for (search/text.py)."""

import pytest

from oss_router.search.documents import case_text, inbound_text, request_text
from oss_router.search.text import normalise, query_words, search_text


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Müller", "muller"),
        ("Straße", "strasse"),
        ("Øystein Ørsted", "oystein orsted"),
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("Æsir", "aesir"),
        ("Đorđević", "dordevic"),
        ("Dvořák", "dvorak"),
        ("Иванов", "ivanov"),
        ("  Jan\tMaria  ", "jan maria"),
    ],
)
def test_normalise_takes_diacritics_and_letters_nfkd_keeps(written: str, normalised: str) -> None:
    assert normalise(written) == normalised


def test_identifiers_are_stored_with_and_without_separators() -> None:
    stored = search_text(["WF0X-XXGCDX 1234", None, ""])
    assert stored == "wf0x-xxgcdx 1234 | wf0xxxgcdx1234"


def test_umlauts_are_also_stored_as_german_spells_them_without() -> None:
    assert search_text(["Müller"]) == "muller | mueller"


def test_a_long_text_keeps_only_its_words_with_separators_also_without_them() -> None:
    text = "The vehicle " + "was seen " * 30 + "with plate B-AB 1234."
    stored = search_text([text])
    assert stored.startswith("the vehicle was seen")
    assert stored.endswith("plate b-ab 1234. | bab | 1234")  # no second copy of the text
    assert stored.count("was seen") == 30


def test_query_words_are_normalised_and_without_separators() -> None:
    assert query_words("  Müller  WF0X-XXGCDX 1234 %_ ") == ["muller", "wf0xxxgcdx", "1234"]
    assert query_words("-- ./") == []


def test_every_query_word_is_a_substring_of_what_was_stored() -> None:
    stored = request_text(
        {"family_name": "O'Brien-Łaski", "given_names": "Jürgen", "aliases": ["Jurek"]},
        "OSS/2026/0815",
        "SIS-PL-77",
    )
    for q in ("obrien", "o'brien laski", "jurgen", "juergen", "jurek", "oss20260815", "sis-pl"):
        assert all(word in stored for word in query_words(q)), q


def test_what_is_left_out_of_the_text() -> None:
    stored = inbound_text(
        {"document_type": "passport", "document_number": "EA1234567", "issuing_country": "PL"},
        "DE-BKA-1",
        "Bundeskriminalamt",
    )
    assert "passport" not in stored  # codes would match nearly everything
    assert "ea1234567" in stored
    assert "bundeskriminalamt" in stored
    assert case_text("NAT-1", None) == "nat-1 | nat1"
