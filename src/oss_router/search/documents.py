"""The searchable parts of each thing the bureau holds, as ``search_text`` stores them.

Computed in Python when the row is written (intake, registration, case creation), so that
writing it costs no statement of its own; the migration ``0011_search`` fills the rows
written before from the same functions. A purged row's ``search_text`` is None: what the purge
erases cannot be found any more (retention/).

Ids are not part of the text: a short word of hex digits (``cafe``, ``2026``) would match a
random part of one row in a hundred. A search for a whole id finds its row by its key
(``search.repository``).
"""

from collections.abc import Iterator, Mapping
from typing import Any

from oss_router.search.text import search_text

# The subject fields that name or identify (messages/subjects.py, every kind): names and
# aliases, date and place of birth, VIN, registration number, make and model, document
# number, DNA profile reference, AFIS reference. Codes (sex, document type, countries) and
# the DNA loci are left out: they would match nearly everything or nothing a person types.
SUBJECT_FIELDS = (
    "family_name",
    "given_names",
    "aliases",
    "date_of_birth",
    "place_of_birth",
    "vin",
    "registration_number",
    "make",
    "model",
    "document_number",
    "profile_reference",
    "afis_reference",
)


def subject_parts(subject: Mapping[str, Any] | None) -> Iterator[str]:
    """The searchable values of a subject document, in ``SUBJECT_FIELDS`` order."""
    if not subject:
        return
    for name in SUBJECT_FIELDS:
        value = subject.get(name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (each for each in value if isinstance(each, str))


def request_text(
    subject: Mapping[str, Any] | None, reference: str | None, sis_alert_id: str | None = None
) -> str:
    """An outgoing request: our reference, the SIS alert it acts on, its subject."""
    return search_text([reference, sis_alert_id, *subject_parts(subject)])


def inbound_text(
    subject: Mapping[str, Any] | None,
    partner_reference: str | None,
    requesting_authority: str | None = None,
) -> str:
    """A received request: the partner's reference and authority, its subject."""
    return search_text([partner_reference, requesting_authority, *subject_parts(subject)])


def case_text(reference: str | None, title: str | None) -> str:
    """A case file: the national case reference and its title."""
    return search_text([reference, title])
