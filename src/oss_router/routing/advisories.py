"""Warnings attached to an accepted decision: the request goes ahead, the officer is told."""

from oss_router.country import ReferenceData
from oss_router.routing.decision import RoutingQuery, RoutingWarning
from oss_router.routing.facts import CountryFacts

SIS_ALERT_NOT_APPLICABLE = "sis_alert_not_applicable"
CC_EUROPOL_SUGGESTED = "cc_europol_suggested"
POSSIBLE_DUPLICATE = "possible_duplicate"


def sis_alert_not_applicable(facts: CountryFacts) -> RoutingWarning:
    """R1 was skipped: the SIS alert cannot be followed up through SIRENE with this country."""
    since = facts.sis_since
    if since is None:
        why = f"{facts.country} is not connected to the SIS"
    else:
        why = f"{facts.country} is SIS-connected only from {since.isoformat()}"
    return RoutingWarning(
        code=SIS_ALERT_NOT_APPLICABLE,
        message=(
            f"SIS alert {facts.sis_alert_id} does not apply to {facts.country}: {why} "
            f"(decision day {facts.on.isoformat()}); rule R1 was skipped."
        ),
        details={"country": facts.country},
    )


def cc_europol_suggestion(query: RoutingQuery, reference: ReferenceData) -> RoutingWarning | None:
    """Directive (EU) 2023/977 Art. 12: consider a copy to Europol (mandate crime, ≥2 EU states)."""
    eu_targets = [code for code in query.target_countries if reference.is_eu(code)]
    if not reference.is_mandate_area(query.crime_area) or len(eu_targets) < 2:
        return None
    return RoutingWarning(
        code=CC_EUROPOL_SUGGESTED,
        message=(
            f"{query.crime_area} is within Europol's mandate and {len(eu_targets)} targets are EU "
            f"member states ({', '.join(eu_targets)}): consider sending a copy to Europol "
            "(Directive (EU) 2023/977 Art. 12)."
        ),
        details={"crime_area": query.crime_area, "countries": eu_targets},
    )
