"""Labels of the closed vocabularies, as the pages show them (options of selects, badges)."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from oss_router.audit.service import Action
from oss_router.country.loader import load_reference_data
from oss_router.messages.codes import (
    AccessType,
    Channel,
    HandlingCode,
    InboundStatus,
    Kind,
    RefusalGround,
    ReplyStatus,
    ReplyType,
    RequestStatus,
    UrgencyGround,
)

_Code = TypeVar("_Code", bound=str)


@dataclass(frozen=True)
class Option:
    value: str
    label: str


KIND_LABELS = {
    Kind.PERSON: "Person",
    Kind.VEHICLE: "Vehicle",
    Kind.DOCUMENT: "Document",
    Kind.DNA: "DNA profile",
    Kind.FINGERPRINT: "Fingerprints",
}
CHANNEL_LABELS = {
    Channel.SIRENE: "SIRENE (SIS)",
    Channel.EUROPOL: "Europol SIENA",
    Channel.INTERPOL: "Interpol I-24/7",
    Channel.LIAISON_OFFICER: "Liaison officer",
    Channel.PCCC: "PCCC",
    Channel.PRUM: "Prüm automated search",
}
STATUS_LABELS = {
    RequestStatus.QUEUED: "Queued",
    RequestStatus.DISPATCHED: "Dispatched",
    RequestStatus.IN_PROGRESS: "In progress",
    RequestStatus.ANSWERED: "Answered",
    RequestStatus.FAILED: "Failed",
    RequestStatus.CANCELLED: "Cancelled",
}
URGENCY_GROUND_LABELS = {  # Directive (EU) 2023/977 Art. 4(4)
    UrgencyGround.PUBLIC_SECURITY_THREAT: "Immediate and serious threat to public security",
    UrgencyGround.LIFE_OR_PHYSICAL_INTEGRITY: "Imminent threat to life or physical integrity",
    UrgencyGround.DEPRIVATION_OF_LIBERTY: "Decision involving deprivation of liberty",
    UrgencyGround.LOSS_OF_RELEVANCE: "Risk of losing relevance if not provided urgently",
}
# Our expectation of the requested state's access (only that state knows it; Art. 5(1)).
ACCESS_LABELS = {
    AccessType.INDIRECT: "We expect it indirectly accessible there (held by another authority)",
    AccessType.DIRECT: "We expect it directly accessible to the requested state",
}
PRINT_TYPES = {
    "tenprint": "Tenprint (taken from a person)",
    "latent": "Latent (a mark found at a scene)",
}
HANDLING_LABELS = {  # Europol handling codes
    HandlingCode.H0: "H0 — only to prevent and combat crime",
    HandlingCode.H1: "H1 — not in judicial proceedings without permission",
    HandlingCode.H2: "H2 — not to be disseminated without permission",
    HandlingCode.H3: "H3 — other restrictions (state them in the purpose)",
}
REFUSAL_LABELS = {  # Directive (EU) 2023/977 Art. 6(1)(a)-(h)
    RefusalGround.A: "information not available",
    RefusalGround.B: "request does not meet the requirements of Art. 4",
    RefusalGround.C: "judicial authorisation refused",
    RefusalGround.D: "personal data outside the categories of Art. 10(b)",
    RefusalGround.E: "information inaccurate, incomplete or out of date",
    RefusalGround.F: "national security, an ongoing investigation or a person's safety",
    RefusalGround.G: "minor offence, or not an offence in the requested state",
    RefusalGround.H: "obtained from another state that has not consented",
}
# Each Art. 6(1) ground in full, in our own words, for the officer choosing one: the refusal of
# a request the Directive governs names one of these and nothing else (Art. 6(1), first phrase).
REFUSAL_TEXTS = {  # Directive (EU) 2023/977 Art. 6(1)(a)-(h)
    RefusalGround.A: "The requested information is available neither to our single point of "
    "contact nor to our competent law enforcement authorities.",
    RefusalGround.B: "The request does not meet the requirements of Art. 4 (form, content, "
    "reasons, urgency ground).",
    RefusalGround.C: "The judicial authorisation our national law requires (Art. 9) was refused.",
    RefusalGround.D: "The information is personal data outside the categories listed in "
    "Art. 10(b).",
    RefusalGround.E: "The information was found inaccurate, incomplete or no longer up to date "
    "and cannot be provided under Art. 7(2) of Directive (EU) 2016/680.",
    RefusalGround.F: "There are objective reasons to believe that providing it would harm our "
    "essential national security interests, jeopardise an ongoing criminal investigation or a "
    "person's safety, or unduly harm a legal person's interests protected by law.",
    RefusalGround.G: "The request concerns an offence punishable under our law by at most one "
    "year's imprisonment, or a matter that is not a criminal offence under our law.",
    RefusalGround.H: "The information was first obtained from another member state or a third "
    "country, which has not consented to its provision.",
}
INBOUND_STATUS_LABELS = {  # the state machine of a request received from a partner
    InboundStatus.RECEIVED: "Received",
    InboundStatus.ASSIGNED: "Assigned",
    InboundStatus.AWAITING_CLARIFICATION: "Awaiting clarification",
    InboundStatus.ANSWERED: "Answered",
    InboundStatus.REFUSED: "Refused",
}
REPLY_TYPE_LABELS = {
    ReplyType.ANSWER: "Answer",
    ReplyType.REFUSAL: "Refusal",
    ReplyType.CLARIFICATION_REQUEST: "Clarification request",
    ReplyType.DELAY_NOTICE: "Delay notice",
}
REPLY_STATUS_LABELS = {
    ReplyStatus.QUEUED: "Queued",
    ReplyStatus.SENT: "Sent",
    ReplyStatus.DELIVERED: "Delivered",
    ReplyStatus.FAILED: "Failed",
}
# Languages a partner writes in (ISO 639-1), offered on the manual registration form.
LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "pl": "Polish",
    "cs": "Czech",
    "sk": "Slovak",
    "lt": "Lithuanian",
    "uk": "Ukrainian",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
}
# The operations logged (LED 2016/680 Art. 25(1)), from the codes GET /v1/audit accepts.
AUDIT_ACTION_LABELS = {action.value: action.value.capitalize() for action in Action}
DOCUMENT_TYPES = {
    "passport": "Passport",
    "id_card": "Identity card",
    "driving_licence": "Driving licence",
    "residence_permit": "Residence permit",
    "vehicle_registration": "Vehicle registration",
    "other": "Other",
}


def _options(labels: Mapping[_Code, str]) -> list[Option]:
    return [Option(str(value), label) for value, label in labels.items()]


@cache
def countries() -> list[Option]:
    reference = load_reference_data()
    return [Option(code, name) for code, name in sorted(reference.countries.items())]


@cache
def directive_countries() -> list[str]:
    """The states Directive (EU) 2023/977 applies between (EU and Schengen associated): a SIENA
    request from one of them is refused only on an Art. 6(1) ground."""
    reference = load_reference_data()
    return sorted(code for code in reference.countries if reference.is_eu_or_schengen(code))


@cache
def crime_areas() -> list[Option]:
    areas = load_reference_data().mandate_areas
    options = [Option(area, area.replace("_", " ").capitalize()) for area in areas]
    return [*options, Option("other", "Other (outside Europol's mandate)")]


def vocabulary() -> dict[str, list[Option]]:
    """Everything the templates offer as choices, built from the codes the API accepts."""
    return {
        "kinds": _options(KIND_LABELS),
        "channels": _options(CHANNEL_LABELS),
        "statuses": _options(STATUS_LABELS),
        "inbound_statuses": _options(INBOUND_STATUS_LABELS),
        "refusal_grounds": [
            Option(str(code), f"({code}) {label}") for code, label in REFUSAL_LABELS.items()
        ],
        "refusal_texts": _options(REFUSAL_TEXTS),
        "languages": _options(LANGUAGES),
        "urgency_grounds": _options(URGENCY_GROUND_LABELS),
        "access_types": _options(ACCESS_LABELS),
        "handling_codes": _options(HANDLING_LABELS),
        "document_types": _options(DOCUMENT_TYPES),
        "print_types": _options(PRINT_TYPES),
        "crime_areas": crime_areas(),
        "countries": countries(),
        "audit_actions": _options(AUDIT_ACTION_LABELS),
    }
