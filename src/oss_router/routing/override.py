"""Officer override: a preferred channel replaces the rule's choice only where it is eligible.

An override is audited (rule id ``OVERRIDE``, the officer's reason on the timeline), and can
never send data through a channel that has no legal or technical reach to the target country.
"""

from collections.abc import Callable
from typing import Any

from oss_router.messages.codes import Channel
from oss_router.routing.facts import CountryFacts

OVERRIDE_RULE = "OVERRIDE"


def _sirene(facts: CountryFacts) -> str | None:
    if facts.sis_alert_id is None:
        return "the request follows up no SIS alert (sis_alert_id is not set)"
    if not facts.sis_connected:
        return f"{facts.country} is not SIS-connected on {facts.on.isoformat()}"
    return None


def _pccc(facts: CountryFacts) -> str | None:
    if not facts.is_pccc_partner:
        return f"{facts.country} is not a PCCC partner of {facts.home}"
    if facts.is_biometric:
        return "DNA profiles and fingerprints are not exchanged through a PCCC"
    return None


def _prum(facts: CountryFacts) -> str | None:
    if not facts.is_biometric:
        return "automated Prüm searches compare DNA profiles and fingerprints only"
    if not facts.prum_connected:
        return (
            f"{facts.country} does not answer automated Prüm searches of {facts.data_category} "
            f"on {facts.on.isoformat()}"
        )
    return None


def _europol(facts: CountryFacts) -> str | None:
    if facts.is_eu_or_schengen or facts.is_europol_partner:
        return None
    return f"{facts.country} is neither an EU or Schengen state nor a Europol operational partner"


def _liaison_officer(facts: CountryFacts) -> str | None:
    if facts.has_liaison_officer:
        return None
    return f"no {facts.home_adjective} liaison officer is posted in {facts.country}"


def _interpol(facts: CountryFacts) -> str | None:
    return None if facts.is_interpol_member else f"{facts.country} is not an INTERPOL member"


_CHECKS: dict[Channel, Callable[[CountryFacts], str | None]] = {
    Channel.SIRENE: _sirene,
    Channel.PCCC: _pccc,
    Channel.EUROPOL: _europol,
    Channel.LIAISON_OFFICER: _liaison_officer,
    Channel.INTERPOL: _interpol,
    Channel.PRUM: _prum,
}

ELIGIBILITY: dict[Channel, str] = {
    Channel.SIRENE: "sis_alert_id is set and T is SIS-connected",
    Channel.PCCC: "T is a PCCC partner and kind is neither dna nor fingerprint",
    Channel.EUROPOL: "T is an EU or Schengen state or a Europol operational partner",
    Channel.LIAISON_OFFICER: "a liaison officer of the home country is posted in T",
    Channel.INTERPOL: "T is an INTERPOL member",
    Channel.PRUM: "kind is dna or fingerprint and T answers Prüm searches of that category",
}


def ineligibility(channel: Channel, facts: CountryFacts) -> str | None:
    """Why ``channel`` cannot carry the request to ``facts.country``, or None if it can."""
    problem = _CHECKS[channel](facts)
    if problem is None:
        return None
    return f"{channel.value} is not eligible for {facts.country}: {problem}"


def explain_override(channel: Channel, replaced: str, reason: str) -> str:
    """One sentence: what the officer chose, what the rules would have done, and why."""
    return f'Officer override: {channel.value} instead of {replaced}; reason: "{reason.strip()}".'


def describe_override() -> dict[str, Any]:
    return {
        "rule": OVERRIDE_RULE,
        "requires": "preferred_channel eligible for T and a non-empty override_reason",
        "eligible_when": {channel.value: text for channel, text in ELIGIBILITY.items()},
    }
