"""What a stub partner sends: seeded, realistic requests of one channel.

Each channel says who may send through it (``PartnerProfile``): SIENA from the EU/Schengen
states' single points of contact and Europol's operational partners, SIRENE from the
SIS-connected states about an SIS alert, Interpol from any member country's NCB, the liaison
officers' host countries, and the neighbours with which a PCCC is run, addressed to one of its
units. Everything is drawn from a PRNG seeded with the stub's seed and the message's reference:
the same order produces the same requests, on any host.
"""

import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oss_router.country.loader import load_reference_data
from oss_router.country.reference import ReferenceData
from oss_router.messages.codes import Channel, HandlingCode, Kind, Urgency, UrgencyGround
from oss_router.messages.inbound import PartnerMessage, partner_message_id

Countries = Callable[[ReferenceData], Sequence[str]]
Authority = Callable[[str, str], str]  # (country code, country name) -> requesting authority


@dataclass(frozen=True)
class PartnerProfile:
    """Who sends requests through a channel, and how they write them."""

    reference_prefix: str  # the partner's own reference: "<prefix>-<country>-<number>"
    countries: Countries
    authority: Authority
    handling_codes: Sequence[HandlingCode] = (HandlingCode.H0, HandlingCode.H0, HandlingCode.H1)
    languages: Mapping[str, Sequence[str]] = field(default_factory=dict)  # country -> choices
    default_languages: Sequence[str] = ("en",)
    units: Mapping[str, Sequence[str]] = field(default_factory=dict)  # PCCC: country -> units
    with_sis_alert: bool = False
    urgent_share: float = 0.2  # of the requests sent at the configured rate


FAMILY_NAMES = (
    "Novak", "Müller", "García", "Rossi", "Kovács", "Dubois", "Jansen", "Horvat", "Popescu",
    "Nielsen", "Silva", "Papadopoulos", "Virtanen", "Ivanova", "Kowalczyk", "Schmidt", "Martin",
)  # fmt: skip
GIVEN_NAMES = (
    "Anna", "Jan", "Marta", "Luca", "Sofia", "Mateo", "Eva", "Tomas", "Elena", "Piotr",
    "Ioana", "Lars", "Ana", "Nikos", "Olga", "Karl",
)  # fmt: skip
MAKES = ("Volkswagen", "BMW", "Toyota", "Škoda", "Audi", "Mercedes-Benz", "Ford", "Renault")
COLOURS = ("black", "silver", "white", "blue", "red", "grey")
DOCUMENT_TYPES = ("passport", "id_card", "driving_licence", "residence_permit")
LOCI = ("D3S1358", "VWA", "D16S539", "D2S1338", "D8S1179", "D21S11", "D18S51", "D19S433")
PURPOSES = {
    Kind.PERSON: (
        "Identification of a suspect in an armed robbery investigation",
        "Whereabouts of a witness in a homicide case",
        "Criminal record check of a person arrested for fraud",
        "Suspected member of an organised drug trafficking group",
    ),
    Kind.VEHICLE: (
        "Vehicle suspected of use in a series of burglaries",
        "Registration holder of a vehicle seen at a robbery",
        "Possible stolen vehicle checked at a traffic stop",
    ),
    Kind.DOCUMENT: (
        "Document presented at a border check, suspected forged",
        "Identity document found on a suspect of migrant smuggling",
    ),
    Kind.DNA: (
        "Crime scene trace of an aggravated burglary",
        "Trace from a sexual assault case, unidentified offender",
    ),
    Kind.FINGERPRINT: (
        "Latent mark lifted at a burglary scene, offender unknown",
        "Identification of a person arrested without identity documents",
    ),
}


def request_message(
    profile: PartnerProfile,
    channel: Channel,
    kinds: Sequence[Kind],
    *,
    seed: int,
    key: str,
    urgent: bool | None,
    now: datetime,
) -> PartnerMessage:
    """One request, drawn from ``seed`` and ``key`` (``urgent=None``: drawn too)."""
    rng = random.Random(f"{seed}:{channel}:{key}")  # noqa: S311 - a replayable simulation
    reference_data = load_reference_data()
    country = rng.choice(list(profile.countries(reference_data)))
    kind = rng.choice(list(kinds))
    is_urgent = rng.random() < profile.urgent_share if urgent is None else urgent
    reference = f"{profile.reference_prefix}-{country}-{_number(key):012d}"
    units = profile.units.get(country, ())
    return PartnerMessage(
        message_id=partner_message_id(channel, reference),
        channel=channel,
        partner_reference=reference,
        requesting_country=country,
        requesting_authority=profile.authority(country, reference_data.countries[country]),
        received_at=now,
        kind=kind,
        subject=_subject(rng, kind, country),
        purpose=rng.choice(PURPOSES[kind]),
        urgency=Urgency.URGENT if is_urgent else Urgency.NORMAL,
        urgency_ground=rng.choice(list(UrgencyGround)) if is_urgent else None,
        language=rng.choice(list(profile.languages.get(country, profile.default_languages))),
        handling_code=rng.choice(list(profile.handling_codes)),
        unit=rng.choice(list(units)) if units else None,
        sis_alert_id=f"{country}{rng.randrange(10**12):012d}" if profile.with_sis_alert else None,
        correlation_id=f"partner-{reference}",
    )


def clarification_message(
    request: PartnerMessage, reply_id: str, text: str, now: datetime
) -> PartnerMessage:
    """The partner's answer to our clarification request about ``request``."""
    return PartnerMessage(
        message_id=partner_message_id(request.channel, request.partner_reference, reply_id),
        type="clarification",
        channel=request.channel,
        partner_reference=f"{request.partner_reference}/C",
        in_reply_to=request.partner_reference,
        text=text,
        requesting_country=request.requesting_country,
        requesting_authority=request.requesting_authority,
        received_at=now,
        language=request.language,
        handling_code=request.handling_code,
        unit=request.unit,
        correlation_id=request.correlation_id,
    )


def _number(key: str) -> int:
    """A number of 12 digits from the key: distinct keys give distinct references (in
    practice: a collision needs about a million messages of one channel)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % 10**12


def _subject(rng: random.Random, kind: Kind, country: str) -> dict[str, Any]:
    if kind is Kind.PERSON:
        return {
            "family_name": rng.choice(FAMILY_NAMES),
            "given_names": rng.choice(GIVEN_NAMES),
            "date_of_birth": f"{rng.randint(1955, 2004)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}",
            "nationalities": [country],
        }
    if kind is Kind.VEHICLE:
        return {
            "vin": "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17)),
            "make": rng.choice(MAKES),
            "colour": rng.choice(COLOURS),
        }
    if kind is Kind.DOCUMENT:
        return {
            "document_type": rng.choice(DOCUMENT_TYPES),
            "document_number": f"{rng.choice('ABCDEFGH')}{rng.randrange(10**7):07d}",
            "issuing_country": country,
        }
    if kind is Kind.FINGERPRINT:
        latent = rng.random() < 0.5
        return {
            "afis_reference": f"{country}-AFIS-{rng.randrange(10**7):07d}",
            "print_type": "latent" if latent else "tenprint",
            "finger_positions": sorted(rng.sample(range(1, 11), 2))
            if latent
            else list(range(1, 11)),
        }
    loci = {name: sorted(str(rng.randint(8, 22)) for _ in range(2)) for name in LOCI}
    return {
        "profile_reference": f"{country}-DNA-{rng.randrange(10**6):06d}",
        "sample_type": "crime_scene",
        "loci": loci,
    }
