"""The facts about one target country that the rules, overrides and explanations read."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from oss_router.country import ReferenceData
from oss_router.messages.codes import BIOMETRIC_KINDS, Kind
from oss_router.routing.decision import RoutingQuery

# Adjectives for the explanations ("a Polish liaison officer"); other homes fall back to the code.
_HOME_ADJECTIVES = {"PL": "Polish"}


def decision_day(received_at: datetime) -> date:
    """The calendar day (UTC) on which dated sets such as SIS connections are read.

    UTC keeps the decision independent of the server's zone; connection dates are legal dates,
    so a request received in the first hour(s) of that day in Europe is judged on the day before.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    return received_at.astimezone(UTC).date()


@dataclass(frozen=True)
class CountryFacts:
    """Everything the policy knows about target ``country`` for one request, on day ``on``."""

    country: str
    home: str
    on: date
    kind: Kind
    sis_alert_id: str | None
    border_area: bool
    crime_area: str
    is_eu: bool
    is_schengen_associated: bool
    sis_since: date | None
    is_pccc_partner: bool
    has_liaison_officer: bool
    is_europol_partner: bool
    in_mandate: bool
    is_interpol_member: bool
    # First day T is reached by the automated Prüm search of the request's data category
    # (DNA profiles or dactyloscopic data); None for other kinds or an unconnected T.
    prum_since: date | None = None

    @property
    def is_home(self) -> bool:
        return self.country == self.home

    @property
    def is_dna(self) -> bool:
        return self.kind == Kind.DNA

    @property
    def is_biometric(self) -> bool:
        """DNA profiles or fingerprints: compared by automated searches, never sent to a PCCC
        or a liaison officer."""
        return self.kind in BIOMETRIC_KINDS

    @property
    def data_category(self) -> str:
        """The Prüm data category in words (for explanations)."""
        return "DNA profiles" if self.is_dna else "dactyloscopic data (fingerprints)"

    @property
    def prum_connected(self) -> bool:
        """Regulation (EU) 2024/982 Art. 6 (DNA) / Art. 13 (dactyloscopic data): T answers
        the automated search of this category on the decision day."""
        return self.is_biometric and self.prum_since is not None and self.prum_since <= self.on

    @property
    def is_eu_or_schengen(self) -> bool:
        return self.is_eu or self.is_schengen_associated

    @property
    def sis_connected(self) -> bool:
        return self.sis_since is not None and self.sis_since <= self.on

    @property
    def sis_alert_not_applicable(self) -> bool:
        """An SIS alert is cited but T has no SIRENE bureau on that day (R1 skipped)."""
        return self.sis_alert_id is not None and not self.sis_connected

    @property
    def home_adjective(self) -> str:
        return _HOME_ADJECTIVES.get(self.home, self.home)

    @property
    def membership(self) -> str:
        """``an EU member state`` / ``a Schengen associated state`` (for EU/Schengen targets)."""
        return "an EU member state" if self.is_eu else "a Schengen associated state"


def facts_for(
    query: RoutingQuery, country: str, reference: ReferenceData, home: str
) -> CountryFacts:
    return CountryFacts(
        country=country,
        home=home,
        on=decision_day(query.received_at),
        kind=query.kind,
        sis_alert_id=query.sis_alert_id,
        border_area=query.border_area,
        crime_area=query.crime_area,
        is_eu=reference.is_eu(country),
        is_schengen_associated=reference.is_schengen_associated(country),
        sis_since=reference.sis_connected_since(country),
        is_pccc_partner=reference.is_pccc_partner(country),
        has_liaison_officer=reference.has_liaison_officer(country),
        is_europol_partner=reference.is_europol_partner(country),
        in_mandate=reference.is_mandate_area(query.crime_area),
        is_interpol_member=reference.is_interpol_member(country),
        prum_since=_prum_since(query.kind, country, reference),
    )


def _prum_since(kind: Kind, country: str, reference: ReferenceData) -> date | None:
    if kind == Kind.DNA:
        return reference.prum_dna_since(country)
    if kind == Kind.FINGERPRINT:
        return reference.prum_dactyloscopic_since(country)
    return None
