"""Who sends SIRENE requests: the SIRENE bureaux of the SIS-connected states, each about an
SIS alert (a request for supplementary information)."""

from oss_router.country.reference import ReferenceData
from oss_router_adapters.stub.requests import PartnerProfile


def _countries(data: ReferenceData) -> list[str]:
    return sorted(set(data.sis_connections) - {data.bilateral_home_country})


PARTNER = PartnerProfile(
    reference_prefix="SIRENE",
    countries=_countries,
    authority=lambda code, name: f"SIRENE Bureau {code}",
    with_sis_alert=True,
)
