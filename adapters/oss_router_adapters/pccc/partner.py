"""Who sends PCCC requests: the neighbours' officers of a Police and Customs Cooperation
Centre, addressed to the centre's unit, often in their own language."""

from oss_router.country.reference import ReferenceData
from oss_router_adapters.stub.requests import PartnerProfile

# The centres run with each neighbour (the unit a request is addressed to), in ASCII as unit
# names are (the PCCC role's token names its unit).
UNITS = {
    "CZ": ("PCCC Kudowa-Slone", "PCCC Chotebuz"),
    "DE": ("PCCC Swiecko",),
    "SK": ("PCCC Barwinek", "PCCC Trstena"),
}


def _countries(data: ReferenceData) -> list[str]:
    return sorted(code for code in data.pccc_partners if code in UNITS)


PARTNER = PartnerProfile(
    reference_prefix="PCCC",
    countries=_countries,
    authority=lambda code, name: f"Police of {name}, PCCC desk",
    languages={"CZ": ("cs", "pl"), "DE": ("de", "pl"), "SK": ("sk", "pl")},
    units=UNITS,
)
