"""Who sends requests through a liaison officer: the authorities of the countries where one of
ours is posted, handing the request to the officer."""

from oss_router.country.reference import ReferenceData
from oss_router_adapters.stub.requests import PartnerProfile


def _countries(data: ReferenceData) -> list[str]:
    return sorted(data.liaison_officer_posts)


PARTNER = PartnerProfile(
    reference_prefix="LO",
    countries=_countries,
    authority=lambda code, name: f"Police of {name}, via the liaison officer",
)
