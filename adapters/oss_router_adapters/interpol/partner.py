"""Who sends Interpol requests: the National Central Bureau of any member country, in one of
Interpol's working languages (Arabic, English, French, Spanish)."""

from oss_router.country.reference import ReferenceData
from oss_router_adapters.stub.requests import PartnerProfile


def _countries(data: ReferenceData) -> list[str]:
    return sorted(data.interpol_members - {data.bilateral_home_country})


PARTNER = PartnerProfile(
    reference_prefix="ICPO",
    countries=_countries,
    authority=lambda code, name: f"NCB {name}",
    default_languages=("en", "en", "fr", "es", "ar"),
)
