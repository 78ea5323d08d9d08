"""Who sends SIENA requests: the single points of contact of the EU and Schengen associated
states (Directive (EU) 2023/977 requests) and Europol's operational partners."""

from oss_router.country.reference import ReferenceData
from oss_router.messages.codes import HandlingCode
from oss_router_adapters.stub.requests import PartnerProfile


def _countries(data: ReferenceData) -> list[str]:
    home = data.bilateral_home_country
    states = (data.eu_member_states | data.schengen_associated | data.europol_partners) - {home}
    return sorted(states)


PARTNER = PartnerProfile(
    reference_prefix="SIENA",
    countries=_countries,
    authority=lambda code, name: f"Single point of contact, {name}",
    handling_codes=tuple(HandlingCode),
)
