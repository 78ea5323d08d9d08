"""What is looked up: UMF-like subject entities, strictly validated (published in
schemas/request-create.json)."""

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    model_validator,
)

from oss_router.country.loader import load_reference_data
from oss_router.field_messages import explained
from oss_router.input import InputModel

SEARCHABLE_DNA_LOCI = 6  # Prüm practice: a searchable profile has at least 6 typed loci

_NUMERIC_ALLELE = re.compile(r"^\d{1,2}(\.\d)?$")
COUNTRY_PATTERN = explained(r"^[A-Za-z]{2}$", "Use a two-letter country code such as DE or PL.")
VIN_PATTERN = explained(
    r"^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$", "A VIN has 17 letters and digits, without I, O or Q."
)
REGISTRATION_PATTERN = explained(
    r"^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$",
    "Give the registration number as on the plate: up to 15 letters, digits, spaces or dashes.",
)
DOCUMENT_NUMBER_PATTERN = explained(
    r"^[A-Za-z0-9<-]{1,30}$", "Give the document number: up to 30 letters, digits, < or -."
)


def _known_country(code: str) -> str:
    if not load_reference_data().is_known_country(code):
        raise ValueError(f"{code} is not a known country code (ISO 3166-1 alpha-2).")
    return code


CountryCode = Annotated[
    str,
    StringConstraints(to_upper=True, pattern=COUNTRY_PATTERN),
    AfterValidator(_known_country),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


def _partial_date(value: str) -> str:
    parts = [int(part) for part in value.split("-")]
    year, month, day = [*parts, 1, 1][:3]
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise ValueError(f"{value} is not a valid date.") from None
    if parsed.year < 1900 or parsed > date.today():  # noqa: DTZ011 - calendar date, no instant
        raise ValueError("Give a date of birth between 1900 and today.")
    return value


PartialDate = Annotated[
    str,
    StringConstraints(
        pattern=explained(r"^\d{4}(-\d{2}(-\d{2})?)?$", "Use the form YYYY, YYYY-MM or YYYY-MM-DD.")
    ),
    AfterValidator(_partial_date),
]


class PersonSubject(InputModel):
    family_name: Name
    given_names: Name | None = None
    date_of_birth: PartialDate | None = Field(
        default=None, description="YYYY, YYYY-MM or YYYY-MM-DD"
    )
    place_of_birth: Name | None = None
    sex: Literal["male", "female", "unknown"] | None = None
    nationalities: list[CountryCode] = Field(default_factory=list, max_length=10)
    aliases: list[Name] = Field(default_factory=list, max_length=20)


class VehicleSubject(InputModel):
    vin: Annotated[str, StringConstraints(to_upper=True, pattern=VIN_PATTERN)] | None = Field(
        default=None, description="17 characters, no I, O or Q"
    )
    registration_number: (
        Annotated[str, StringConstraints(to_upper=True, pattern=REGISTRATION_PATTERN)] | None
    ) = None
    registration_country: CountryCode | None = None
    make: ShortText | None = None
    model: ShortText | None = None
    colour: ShortText | None = None

    @model_validator(mode="after")
    def _identified(self) -> "VehicleSubject":
        if self.vin is None and self.registration_number is None:
            raise ValueError("Give the VIN or the registration number of the vehicle.")
        if self.registration_number is not None and self.registration_country is None:
            raise ValueError("Give the registration country with the registration number.")
        return self


class DocumentSubject(InputModel):
    document_type: Literal[
        "passport",
        "id_card",
        "driving_licence",
        "residence_permit",
        "vehicle_registration",
        "other",
    ]
    document_number: Annotated[
        str, StringConstraints(to_upper=True, pattern=DOCUMENT_NUMBER_PATTERN)
    ]
    issuing_country: CountryCode


ALLELE_PATTERN = explained(
    r"^(\d{1,2}(\.\d)?|X|Y)$", "Give an allele as a number such as 9 or 9.3, or X or Y."
)
LOCUS_PATTERN = explained(
    r"^[A-Za-z0-9_.-]{2,20}$", "Name a locus with 2 to 20 letters, digits, dots or dashes."
)
Allele = Annotated[str, StringConstraints(pattern=ALLELE_PATTERN)]
LocusName = Annotated[str, StringConstraints(pattern=LOCUS_PATTERN)]


class DnaSubject(InputModel):
    profile_reference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]
    sample_type: Literal["reference", "crime_scene"]
    loci: dict[LocusName, Annotated[list[Allele], Field(min_length=1, max_length=4)]] = Field(
        max_length=60
    )

    @model_validator(mode="after")
    def _searchable(self) -> "DnaSubject":
        numeric = [
            name
            for name, alleles in self.loci.items()
            if all(_NUMERIC_ALLELE.match(allele) for allele in alleles)
        ]
        if len(numeric) < SEARCHABLE_DNA_LOCI:
            raise ValueError(
                f"Give at least {SEARCHABLE_DNA_LOCI} loci with numeric alleles: a profile "
                f"with {len(numeric)} cannot be searched."
            )
        return self


AFIS_REFERENCE_PATTERN = explained(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
    "Give the AFIS reference: up to 64 letters, digits, dots, slashes or dashes.",
)
FINGER_POSITIONS = 10  # ANSI/NIST-ITL finger position codes 1 (right thumb) to 10 (left little)


def _distinct_positions(positions: list[int]) -> list[int]:
    repeated = sorted({p for p in positions if positions.count(p) > 1})
    if repeated:
        listed = ", ".join(str(p) for p in repeated)
        raise ValueError(f"Name each finger position once (repeated: {listed}).")
    return positions


FingerPosition = Annotated[int, Field(ge=1, le=FINGER_POSITIONS)]


class FingerprintSubject(InputModel):
    """Dactyloscopic data (Regulation (EU) 2024/982 Art. 4(3)) held in the national AFIS: the
    search sends the reference of the record, not the images, through this router."""

    afis_reference: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=AFIS_REFERENCE_PATTERN)
    ] = Field(description="Reference of the record in the national AFIS")
    print_type: Literal["tenprint", "latent"] | None = Field(
        default=None,
        description="tenprint: taken from a person; latent: a mark found at a crime scene",
    )
    finger_positions: Annotated[
        list[FingerPosition],
        Field(max_length=FINGER_POSITIONS),
        AfterValidator(_distinct_positions),
    ] = Field(
        default_factory=list,
        description="Finger positions 1 (right thumb) to 10 (left little finger) in the record",
    )


def subject_document(subject: BaseModel) -> dict[str, Any]:
    """The subject as stored and sent on the wire (without the copied ``kind``)."""
    return subject.model_dump(mode="json", exclude_none=True)
