"""Shapes of the reference data files under ``data/`` (one pydantic model per file kind).

Every file says what it is (``dataset``), which version it is, from when its content applies
(``effective``), when it was compiled (``as_of``) and where it comes from (``sources``), so a
routing decision can always be traced back to a dated, sourced list.
"""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
AreaName = Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]


class DataFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = Field(min_length=1)
    effective: date
    as_of: date
    sources: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)


class CountryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CountryCode
    name: str = Field(min_length=1)
    user_assigned: bool = False


class CountriesFile(DataFile):
    countries: list[CountryEntry] = Field(min_length=1)


class CodeSetFile(DataFile):
    codes: list[CountryCode]


class BilateralSetFile(CodeSetFile):
    """A set that belongs to one home country (its liaison officers, its PCCC partners)."""

    home_country: CountryCode


class SisConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CountryCode
    connected_on: date
    basis: str = Field(min_length=1)


class SisConnectionsFile(DataFile):
    connections: list[SisConnection] = Field(min_length=1)


class MandateAreasFile(DataFile):
    areas: list[AreaName] = Field(min_length=1)


class PrumConnection(BaseModel):
    """One state reached by automated Prüm searches: from when, per data category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CountryCode
    dna_since: date | None = None
    dactyloscopic_since: date | None = None
    basis: str = Field(min_length=1)


class PrumConnectionsFile(DataFile):
    connections: list[PrumConnection] = Field(min_length=1)
