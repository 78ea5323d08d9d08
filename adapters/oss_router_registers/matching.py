"""How a stub register decides that one of its records is about the subject.

Names are compared folded: without diacritics (NFKD, combining marks dropped, and the letters
that do not decompose, such as ł, ø, ß, æ, spelled out), case-insensitively, with hyphens,
apostrophes and runs of spaces made one space: ``Łukasz Wiśniewski-Kowal`` matches
``LUKASZ wisniewski kowal``. Identifiers (VIN, plate, document number) are compared
upper-cased without spaces, dashes or ``<``.

DNA follows the Prüm matching rule (Council Decision 2008/616/JHA, Annex, Chapter 1, point 1.2):
profiles are compared on the loci both contain, amelogenin excluded, and a hit needs at least
six fully matching loci; a near match, where one single allele of the compared loci differs,
is reported as such.
"""

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from oss_router.messages.codes import Kind

MIN_MATCHING_LOCI = 6  # Decision 2008/616/JHA, Annex, Chapter 1, point 1.2
_AMELOGENIN = frozenset({"AMEL", "AMELOGENIN"})
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ħ": "h", "ı": "i",
     "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH"}
)  # fmt: skip
_SEPARATORS = re.compile(r"[\s\-‐‑'’`]+")
_IDENTIFIER_NOISE = re.compile(r"[\s\-<]+")

Matcher = Callable[[Mapping[str, Any], Mapping[str, Any]], str | None]


def fold(text: str) -> str:
    """A name as compared: no diacritics, no case, one space between its parts."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SEPARATORS.sub(" ", bare).strip().casefold()


def identifier(value: Any) -> str:
    return _IDENTIFIER_NOISE.sub("", str(value)).upper()


def match_person(subject: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    via = _name_via(subject, record)
    if via is None or not _given_names_agree(subject, record):
        return None
    ours, theirs = subject.get("date_of_birth"), record.get("date_of_birth")
    if ours and theirs:
        if not (str(ours).startswith(str(theirs)) or str(theirs).startswith(str(ours))):
            return None
        return f"{via}_and_birth_date"
    return via


def _name_via(subject: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    family = fold(subject["family_name"])
    if family == fold(record["family_name"]):
        return "name"
    their_aliases = {fold(alias) for alias in record.get("aliases", [])}
    our_aliases = {fold(alias) for alias in subject.get("aliases", [])}
    if family in their_aliases or fold(record["family_name"]) in our_aliases:
        return "alias"
    return None


def _given_names_agree(subject: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    ours, theirs = subject.get("given_names"), record.get("given_names")
    if not ours or not theirs:
        return True  # not given on one side: the other parts decide
    our_names, their_names = set(fold(ours).split()), set(fold(theirs).split())
    return our_names <= their_names or their_names <= our_names


def match_vehicle(subject: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    vin, their_vin = subject.get("vin"), record.get("vin")
    if vin and their_vin and identifier(vin) == identifier(their_vin):
        return "vin"
    plate, their_plate = subject.get("registration_number"), record.get("registration_number")
    same_country = identifier(subject.get("registration_country", "")) == identifier(
        record.get("registration_country", "")
    )
    if plate and their_plate and same_country and identifier(plate) == identifier(their_plate):
        return "registration_number"
    return None


def match_document(subject: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    same_number = identifier(subject["document_number"]) == identifier(record["document_number"])
    same_country = identifier(subject["issuing_country"]) == identifier(record["issuing_country"])
    if not (same_number and same_country):
        return None
    recorded_type = record.get("document_type")
    if recorded_type and recorded_type != subject.get("document_type"):
        return f"number_and_country (recorded as {recorded_type})"
    return "number_and_country"


def match_dna(subject: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    ours, theirs = _loci(subject["loci"]), _loci(record["loci"])
    compared = sorted(ours.keys() & theirs.keys())
    matching = [locus for locus in compared if ours[locus] == theirs[locus]]
    differing = sum(_allele_difference(ours[locus], theirs[locus]) for locus in compared)
    if len(matching) < MIN_MATCHING_LOCI or differing > 1:
        return None
    loci = f"{len(matching)} of {len(compared)} loci"
    return loci if differing == 0 else f"{loci}, near match (one allele differs)"


def _loci(loci: Mapping[str, list[str]]) -> dict[str, frozenset[str]]:
    return {
        name.upper(): frozenset(allele.strip().upper() for allele in alleles)
        for name, alleles in loci.items()
        if name.upper() not in _AMELOGENIN
    }


def _allele_difference(ours: frozenset[str], theirs: frozenset[str]) -> int:
    # [15, 17] against [15, 18] differ in one allele; a homozygous [15] against [15, 17] too.
    return max(len(ours - theirs), len(theirs - ours))


def match_identifiers(subject: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    """Any other kind (a fingerprint's AFIS reference, say): every field the record names must
    be the subject's, compared as identifiers."""
    if all(
        key in subject and identifier(subject[key]) == identifier(value)
        for key, value in record.items()
    ):
        return "exact"
    return None


MATCHERS: Mapping[Kind, Matcher] = {
    Kind.PERSON: match_person,
    Kind.VEHICLE: match_vehicle,
    Kind.DOCUMENT: match_document,
    Kind.DNA: match_dna,
}


def matcher_for(kind: Kind) -> Matcher:
    return MATCHERS.get(kind, match_identifiers)


# What a record of each kind must name for its matcher (checked when the data file is loaded).
REQUIRED: Mapping[Kind, tuple[tuple[str, ...], ...]] = {
    Kind.PERSON: (("family_name",),),
    Kind.VEHICLE: (("vin",), ("registration_number", "registration_country")),
    Kind.DOCUMENT: (("document_number", "issuing_country"),),
    Kind.DNA: (("loci",),),
}


def record_problem(kind: Kind, record: Mapping[str, Any]) -> str | None:
    """What a record of ``kind`` lacks for its matcher, or None; any of the alternatives do."""
    alternatives = REQUIRED.get(kind, ((),))
    if any(all(key in record for key in keys) for keys in alternatives):
        return None
    return " or ".join("+".join(keys) for keys in alternatives) + " missing"
