"""Routing policy v2: for each target country, the channel, the rule, the deadline and why.

A pure function of the query, the reference data and the day the request was received; the
decision records the policy version (policy id + reference data date) it was taken under.
"""

from typing import Any

from oss_router.country import ReferenceData, load_reference_data
from oss_router.messages.codes import Channel
from oss_router.routing.advisories import cc_europol_suggestion, sis_alert_not_applicable
from oss_router.routing.deadlines import (
    PRUM_FOLLOW_UP,
    ServiceTargets,
    deadline_for,
    describe_deadlines,
)
from oss_router.routing.decision import (
    DispatchDecision,
    RoutingDecision,
    RoutingQuery,
    RoutingRefused,
    RoutingWarning,
)
from oss_router.routing.facts import CountryFacts, facts_for
from oss_router.routing.follow_up import FOLLOW_UP_RULE, describe_follow_up, explain_follow_up
from oss_router.routing.guards import checked_query
from oss_router.routing.override import (
    OVERRIDE_RULE,
    describe_override,
    explain_override,
    ineligibility,
)
from oss_router.routing.rules import R0, RULES, Rule, first_match

# v2 (decision 0026): automated Prüm searches (P1) and their follow-up (F1), the fingerprint
# kind, PCCC service target, deadlines labelled as the partner's. A request keeps the version
# it was decided under (``policy_version``) and each dispatch its rule, explanation and
# deadline basis as decided, so a request routed under v1 reads as it was routed.
POLICY_ID = "routing-policy-v2"


class PolicyConfigurationError(ValueError):
    """The policy cannot be built with this configuration (a start-up error, not a 422)."""


class RoutingPolicy:
    """Routing policy v2 bound to its reference data, home country and service targets."""

    def __init__(
        self,
        reference: ReferenceData,
        home_country: str = "PL",
        urgent_target_hours: int = 24,
        normal_target_hours: int = 168,
        *,
        prum_target_minutes: int = 15,
        pccc_target_hours: int = 24,
    ) -> None:
        _check_home(reference, home_country)
        try:
            self.targets = ServiceTargets(
                urgent_target_hours, normal_target_hours, prum_target_minutes, pccc_target_hours
            )
        except ValueError as exc:
            raise PolicyConfigurationError(str(exc)) from exc
        self.reference = reference
        self.home_country = home_country
        self.version = f"{POLICY_ID}+refdata-{reference.as_of.isoformat()}"

    def decide(self, query: RoutingQuery) -> RoutingDecision:
        """Route every target of ``query``; raise RoutingRefused naming the field at fault."""
        query = checked_query(query, self.reference)
        all_facts = [
            facts_for(query, code, self.reference, self.home_country)
            for code in query.target_countries
        ]
        dispatches = tuple(
            self._dispatch(index, facts, query) for index, facts in enumerate(all_facts)
        )
        return RoutingDecision(
            dispatches=dispatches,
            warnings=self._warnings(query, all_facts, dispatches),
            policy_version=self.version,
        )

    def follow_up(self, query: RoutingQuery, country: str, hit_reference: str) -> DispatchDecision:
        """The follow-up of a Prüm hit in ``country`` (rule F1): the request for the data behind
        the match, through SIENA, due by the Regulation (EU) 2024/982 Art. 47(1) time limit
        counted from ``query.received_at`` (when the officer stages it)."""
        facts = facts_for(
            checked_query(query, self.reference), country, self.reference, self.home_country
        )
        if not facts.is_eu_or_schengen:
            raise RoutingRefused(
                "dispatch", f"{country} is not bound by Regulation (EU) 2024/982", FOLLOW_UP_RULE
            )
        return DispatchDecision(
            channel=Channel.EUROPOL,
            country=country,
            rule=FOLLOW_UP_RULE,
            explanation=explain_follow_up(facts, hit_reference),
            due_at=PRUM_FOLLOW_UP.due(query.received_at),
            deadline_basis=PRUM_FOLLOW_UP.basis,
        )

    def eligible_channels(self, query: RoutingQuery, country: str) -> tuple[Channel, ...]:
        """The channels that could carry ``query`` to ``country`` (what an override or a
        re-routing may choose, ``routing/override.py``); none for the home country (R0)."""
        facts = facts_for(query, country, self.reference, self.home_country)
        if first_match(facts) is R0:
            return ()
        return tuple(channel for channel in Channel if ineligibility(channel, facts) is None)

    def _dispatch(self, index: int, facts: CountryFacts, query: RoutingQuery) -> DispatchDecision:
        rule = first_match(facts)
        if rule is R0:
            # Even an override cannot send a domestic matter abroad.
            raise RoutingRefused(f"target_countries[{index}]", rule.explain(facts), rule.id)
        preferred = query.preferred_channel
        if preferred is not None and preferred != rule.channel:
            return self._override(preferred, rule, facts, query)
        if rule.channel is None:
            raise RoutingRefused(f"target_countries[{index}]", rule.explain(facts), rule.id)
        return self._build(facts, query, rule.channel, rule.id, rule.explain(facts))

    def _override(
        self, channel: Channel, rule: Rule, facts: CountryFacts, query: RoutingQuery
    ) -> DispatchDecision:
        problem = ineligibility(channel, facts)
        if problem is not None:
            raise RoutingRefused("preferred_channel", problem, OVERRIDE_RULE)
        chosen = rule.channel.value if rule.channel else "no channel"
        replaced = f"{chosen} chosen by {rule.id} ({rule.explain(facts).rstrip('.')})"
        reason = query.override_reason or ""  # the guards made sure it is not blank
        explanation = explain_override(channel, replaced, reason)
        return self._build(facts, query, channel, OVERRIDE_RULE, explanation)

    def _build(
        self, facts: CountryFacts, query: RoutingQuery, channel: Channel, rule: str, why: str
    ) -> DispatchDecision:
        deadline = deadline_for(
            channel, facts.is_eu_or_schengen, query.urgency, query.access_type, self.targets
        )
        return DispatchDecision(
            channel=channel,
            country=facts.country,
            rule=rule,
            explanation=why,
            due_at=deadline.due(query.received_at),
            deadline_basis=deadline.basis,
        )

    def _warnings(
        self,
        query: RoutingQuery,
        all_facts: list[CountryFacts],
        dispatches: tuple[DispatchDecision, ...],
    ) -> tuple[RoutingWarning, ...]:
        warnings = [sis_alert_not_applicable(f) for f in all_facts if f.sis_alert_not_applicable]
        suggestion = cc_europol_suggestion(query, dispatches, self.reference, self.home_country)
        if suggestion is not None:
            warnings.append(suggestion)
        return tuple(warnings)

    def describe(self) -> dict[str, Any]:
        """The policy as data, JSON-able (for ``GET /v1/routing/policy``)."""
        return {
            "version": self.version,
            "home_country": self.home_country,
            "rules": [rule.describe() for rule in RULES],
            "override": describe_override(),
            "follow_up": describe_follow_up(),
            "deadlines": describe_deadlines(self.targets),
            "deadlines_owed_by": "the requested state (partner); overdue: remind the partner",
            "service_targets": {
                "urgent_hours": self.targets.urgent_hours,
                "normal_hours": self.targets.normal_hours,
                "prum_minutes": self.targets.prum_minutes,
                "pccc_hours": self.targets.pccc_hours,
            },
            "warnings": [
                "sis_alert_not_applicable",
                "cc_europol_suggested",
                "possible_duplicate",
            ],
            "reference": self.reference.describe(),
        }


def _check_home(reference: ReferenceData, home_country: str) -> None:
    if not reference.is_known_country(home_country):
        raise PolicyConfigurationError(f"unknown home country {home_country!r}")
    if home_country != reference.bilateral_home_country:
        # The liaison-officer and PCCC lists are one country's; using them for another would
        # route through officers and centres that do not exist.
        raise PolicyConfigurationError(
            f"home country {home_country} does not match the reference data, whose liaison "
            f"officers and PCCC partners are {reference.bilateral_home_country}'s"
        )


def load_policy(
    home_country: str = "PL",
    urgent_target_hours: int = 24,
    normal_target_hours: int = 168,
    *,
    prum_target_minutes: int = 15,
    pccc_target_hours: int = 24,
) -> RoutingPolicy:
    """The policy over the packaged reference data (loaded once, validated)."""
    return RoutingPolicy(
        load_reference_data(),
        home_country,
        urgent_target_hours,
        normal_target_hours,
        prum_target_minutes=prum_target_minutes,
        pccc_target_hours=pccc_target_hours,
    )
