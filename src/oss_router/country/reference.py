"""Validated, dated reference data with typed queries (built only by the loader)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class DatasetInfo:
    """Provenance of one data file: what, which version, from when, compiled when, from where."""

    dataset: str
    file: str
    version: str
    description: str
    effective: date
    as_of: date
    sources: tuple[str, ...]

    def describe(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "file": self.file,
            "version": self.version,
            "description": self.description,
            "effective": self.effective.isoformat(),
            "as_of": self.as_of.isoformat(),
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class ReferenceData:
    """The country sets the routing policy reads; codes are ISO 3166-1 alpha-2 (upper case)."""

    countries: Mapping[str, str]  # code -> English name
    eu_member_states: frozenset[str]
    schengen_associated: frozenset[str]
    sis_connections: Mapping[str, date]  # code -> first day the state is SIS-connected
    europol_partners: frozenset[str]
    liaison_officer_posts: frozenset[str]
    pccc_partners: frozenset[str]
    bilateral_home_country: str  # whose liaison officers and PCCCs the two sets above list
    interpol_members: frozenset[str]
    mandate_areas: tuple[str, ...]
    # code -> first day routing uses the automated Prüm search of that category
    prum_dna: Mapping[str, date]
    prum_dactyloscopic: Mapping[str, date]
    datasets: tuple[DatasetInfo, ...]

    @property
    def as_of(self) -> date:
        """The most recent compilation date among the data files (part of the policy version)."""
        return max(info.as_of for info in self.datasets)

    def is_known_country(self, code: str) -> bool:
        return code in self.countries

    def is_eu(self, code: str) -> bool:
        return code in self.eu_member_states

    def is_schengen_associated(self, code: str) -> bool:
        return code in self.schengen_associated

    def is_eu_or_schengen(self, code: str) -> bool:
        """EU27 + Schengen associated: the states Directive (EU) 2023/977 applies between."""
        return self.is_eu(code) or self.is_schengen_associated(code)

    def sis_connected_since(self, code: str) -> date | None:
        return self.sis_connections.get(code)

    def is_europol_partner(self, code: str) -> bool:
        """Operational agreement with Europol, outside EU/Schengen (Reg. (EU) 2016/794 Art. 25)."""
        return code in self.europol_partners

    def has_liaison_officer(self, code: str) -> bool:
        return code in self.liaison_officer_posts

    def is_pccc_partner(self, code: str) -> bool:
        return code in self.pccc_partners

    def is_interpol_member(self, code: str) -> bool:
        return code in self.interpol_members

    def is_mandate_area(self, area: str) -> bool:
        """Crime area within Europol's mandate (Reg. (EU) 2016/794 Annex I); ``other`` is not."""
        return area in self.mandate_areas

    def prum_dna_since(self, code: str) -> date | None:
        """Reached by automated DNA searches from (Decision 2008/615/JHA Art. 3;
        Regulation (EU) 2024/982 Art. 6)."""
        return self.prum_dna.get(code)

    def prum_dactyloscopic_since(self, code: str) -> date | None:
        """Reached by automated dactyloscopic searches from (Decision 2008/615/JHA Art. 9;
        Regulation (EU) 2024/982 Art. 13)."""
        return self.prum_dactyloscopic.get(code)

    def describe(self) -> dict[str, Any]:
        """The sets with their dates and sources, JSON-able (for ``GET /v1/routing/policy``)."""
        return {
            "as_of": self.as_of.isoformat(),
            "bilateral_home_country": self.bilateral_home_country,
            "country_count": len(self.countries),
            "sets": {
                "eu_member_states": sorted(self.eu_member_states),
                "schengen_associated": sorted(self.schengen_associated),
                "sis_connections": {
                    code: since.isoformat() for code, since in sorted(self.sis_connections.items())
                },
                "europol_operational_partners": sorted(self.europol_partners),
                "liaison_officer_posts": sorted(self.liaison_officer_posts),
                "pccc_partners": sorted(self.pccc_partners),
                "interpol_members": sorted(self.interpol_members),
                "europol_mandate_areas": list(self.mandate_areas),
                "prum_dna": {code: on.isoformat() for code, on in sorted(self.prum_dna.items())},
                "prum_dactyloscopic": {
                    code: on.isoformat() for code, on in sorted(self.prum_dactyloscopic.items())
                },
            },
            "datasets": [info.describe() for info in self.datasets],
        }
