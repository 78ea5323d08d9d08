"""Possible duplicates: a stable fingerprint of who or what a request is about.

Sending the same request twice, possibly over two channels, costs the partner twice and may
get two answers that disagree; the request service looks up open requests with the same kind,
fingerprint and target, and accepts the new one with a ``possible_duplicate`` warning.
The fingerprint ignores case, diacritics, punctuation and spacing, so "Łukasz  MÜLLER-Nowak"
and "lukasz muller nowak" are the same person.
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from oss_router.messages.codes import Channel, Kind
from oss_router.routing.advisories import POSSIBLE_DUPLICATE
from oss_router.routing.decision import RoutingWarning

# Bump when the normalisation changes: fingerprints of different versions never match.
FINGERPRINT_VERSION = "subject-fingerprint-v1"

# Letters that Unicode does not decompose into a base letter plus a combining mark.
_FOLDS = str.maketrans(
    {"ł": "l", "đ": "d", "ð": "d", "ø": "o", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_text(value: str) -> str:
    """Case-, diacritics-, punctuation- and whitespace-insensitive form of a name."""
    folded = value.casefold().translate(_FOLDS)
    decomposed = unicodedata.normalize("NFKD", folded)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALNUM.sub(" ", _APOSTROPHES.sub("", bare)).strip()


def normalise_code(value: str) -> str:
    """Identifiers (VIN, plate, document number): upper case, letters and digits only."""
    return normalise_text(value).replace(" ", "").upper()


def _text(subject: Mapping[str, Any], key: str) -> str:
    value = subject.get(key)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return normalise_text(" ".join(str(part) for part in value))
    return normalise_text(str(value))


def _code(subject: Mapping[str, Any], key: str) -> str:
    value = subject.get(key)
    return "" if value is None else normalise_code(str(value))


def _date(subject: Mapping[str, Any], key: str) -> str:
    """Full or partial date (``1980``, ``1980-05``, ``1980-05-17``) as given, trimmed."""
    value = subject.get(key)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _person(subject: Mapping[str, Any]) -> list[str]:
    family = _text(subject, "family_name")
    if not family:
        raise ValueError("person subject: family_name is required for a fingerprint")
    return [family, _text(subject, "given_names"), _date(subject, "date_of_birth")]


def _vehicle(subject: Mapping[str, Any]) -> list[str]:
    vin = _code(subject, "vin")
    if vin:
        return ["vin", vin]
    plate = _code(subject, "registration_number")
    if not plate:
        raise ValueError("vehicle subject: vin or registration_number is required")
    return ["registration", plate, _code(subject, "registration_country")]


def _document(subject: Mapping[str, Any]) -> list[str]:
    number = _code(subject, "document_number")
    if not number:
        raise ValueError("document subject: document_number is required for a fingerprint")
    kind = _text(subject, "document_type").replace(" ", "_")
    return [kind, number, _code(subject, "issuing_country")]


def _dna(subject: Mapping[str, Any]) -> list[str]:
    reference = _code(subject, "profile_reference")
    if reference:
        return ["profile_reference", reference]
    loci = subject.get("loci")
    if not isinstance(loci, Mapping) or not loci:
        raise ValueError("dna subject: profile_reference or loci is required for a fingerprint")
    return ["loci", *_canonical_loci(loci)]


def _canonical_loci(loci: Mapping[str, Any]) -> list[str]:
    """``LOCUS=allele,allele`` per locus, loci and alleles sorted: order carries no meaning."""
    entries = []
    for locus, alleles in loci.items():
        values = alleles if isinstance(alleles, list | tuple) else [alleles]
        normalised = sorted(str(allele).strip() for allele in values)
        entries.append(f"{normalise_code(str(locus))}={','.join(normalised)}")
    return sorted(entries)


def _dactyloscopic(subject: Mapping[str, Any]) -> list[str]:
    reference = _code(subject, "afis_reference")
    if not reference:
        raise ValueError("fingerprint subject: afis_reference is required for a fingerprint")
    return ["afis_reference", reference]


_FIELDS: dict[Kind, Callable[[Mapping[str, Any]], list[str]]] = {
    Kind.PERSON: _person,
    Kind.VEHICLE: _vehicle,
    Kind.DOCUMENT: _document,
    Kind.DNA: _dna,
    Kind.FINGERPRINT: _dactyloscopic,
}


def subject_fingerprint(kind: Kind, subject: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the normalised identifying fields of ``subject``.

    person: family_name, given_names, date_of_birth; vehicle: VIN, else registration number and
    country; document: type, number, issuing country; dna: profile_reference, else sorted loci;
    fingerprint: afis_reference.
    Raises ValueError when the identifying fields are missing.
    """
    material = [FINGERPRINT_VERSION, kind.value, *_FIELDS[kind](subject)]
    canonical = json.dumps(material, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# How each channel carries the new request, and the rule that sends it there: the warning
# speaks of the channel the target actually gets (rules.py), not of SIENA for every target.
_CHANNEL_WORDING: dict[Channel, str] = {
    Channel.EUROPOL: "SIENA (Europol), the default channel between member states "
    "(Directive (EU) 2023/977 Art. 13)",
    Channel.SIRENE: "SIRENE, which carries supplementary information on SIS alerts "
    "(Regulation (EU) 2018/1862 Art. 8)",
    Channel.INTERPOL: "INTERPOL's I-24/7 network",
    Channel.LIAISON_OFFICER: "the liaison officer posted there",
    Channel.PCCC: "the police and customs cooperation centre",
    Channel.PRUM: "the automated Prüm search, which answers hit or no hit "
    "(Regulation (EU) 2024/982)",
}


def possible_duplicate_warning(
    existing_request_id: str, country: str, channel: Channel
) -> RoutingWarning:
    """The warning for an open request with the same kind, subject and target country.

    The earlier request's id is a field of its own (``existing_request_id``), for the client
    to link; the message does not repeat it."""
    return RoutingWarning(
        code=POSSIBLE_DUPLICATE,
        message=(
            f"An open request already concerns the same subject in {country}; check it before "
            f"sending this one through {_CHANNEL_WORDING[channel]}: the same request sent "
            "twice is answered twice, or contradicts itself."
        ),
        details={
            "country": country,
            "channel": channel.value,
            "existing_request_id": existing_request_id,
        },
    )
