"""Warnings attached to an accepted decision: the request goes ahead, the officer is told."""

from collections.abc import Sequence

from oss_router.country import ReferenceData
from oss_router.routing.deadlines import under_directive
from oss_router.routing.decision import DispatchDecision, RoutingQuery, RoutingWarning
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


def cc_europol_suggestion(
    query: RoutingQuery,
    dispatches: Sequence[DispatchDecision],
    reference: ReferenceData,
    home: str,
) -> RoutingWarning | None:
    """Directive (EU) 2023/977 Art. 12: for information exchanged through SIENA under the
    Directive, assess case by case whether to send a copy to Europol where it concerns a crime
    within Europol's objectives (Regulation (EU) 2016/794 Art. 3 and Annex I: serious crime
    affecting two or more member states — the requesting state is one of them)."""
    if not reference.is_mandate_area(query.crime_area):
        return None
    siena = [
        d.country
        for d in dispatches
        if under_directive(d.channel, reference.is_eu_or_schengen(d.country))
    ]
    affected = sorted({code for code in [home, *siena] if reference.is_eu(code)})
    if not siena or len(affected) < 2:
        return None
    return RoutingWarning(
        code=CC_EUROPOL_SUGGESTED,
        message=(
            f"{query.crime_area} is within Europol's objectives and this request goes through "
            f"SIENA to {', '.join(siena)}; with {home}, {len(affected)} member states are "
            "concerned: assess, case by case, whether to send a copy to Europol "
            "(Directive (EU) 2023/977 Art. 12)."
        ),
        details={"crime_area": query.crime_area, "countries": siena, "affected": affected},
    )
