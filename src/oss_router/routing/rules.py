"""Rules of routing policy v2, per target country; the first rule that applies wins.

Order: R0, R1, P1, R2, R3, R4, R5, R6, R7. Policy v2 added P1 (automated Prüm searches of DNA
profiles and fingerprints) and widened "kind is not dna" in R2, R4 and R5 to both biometric
kinds; the ids of v1 keep their meaning, so a dispatch decided under v1 still reads right.

Each rule is data (id, condition text, channel, legal basis) plus two small functions: when it
applies, and the one-sentence explanation naming the facts that made it apply.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oss_router.messages.codes import Channel
from oss_router.routing.facts import CountryFacts


@dataclass(frozen=True)
class Rule:
    id: str
    when: str
    channel: Channel | None  # None: the request is refused for this target (422)
    why: str
    basis: str
    applies: Callable[[CountryFacts], bool]
    explain: Callable[[CountryFacts], str]

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "when": self.when,
            "channel": self.channel.value if self.channel else "refuse",
            "why": self.why,
            "basis": self.basis,
        }


def _join(clauses: list[str]) -> str:
    if len(clauses) <= 1:
        return "".join(clauses)
    return ", ".join(clauses[:-1]) + " and " + clauses[-1]


def _not_bilateral(facts: CountryFacts) -> list[str]:
    """Why R3-R5 did not apply, as clauses whose subject is the target country."""
    if facts.is_biometric:
        what = "DNA profiles" if facts.is_dna else "fingerprints"
        return [
            "is not an EU or Schengen state",
            f"receives {what} neither through a liaison officer nor as a Europol partner",
        ]
    clauses = ["is not an EU or Schengen state", f"has no {facts.home_adjective} liaison officer"]
    if not facts.is_europol_partner:
        clauses.append("is not a Europol operational partner")
    elif not facts.in_mandate:
        clauses.append(
            "is a Europol operational partner but crime area "
            f"{facts.crime_area!r} is outside Europol's mandate"
        )
    return clauses


def _explain_r0(facts: CountryFacts) -> str:
    return f"{facts.country} is the home country; domestic requests use national systems."


def _explain_r1(facts: CountryFacts) -> str:
    return (
        f"The request follows up SIS alert {facts.sis_alert_id} and {facts.country} has been "
        f"SIS-connected since {facts.sis_since}; supplementary information goes through SIRENE."
    )


def _explain_p1(facts: CountryFacts) -> str:
    since = facts.prum_since.isoformat() if facts.prum_since else "?"
    return (
        f"{facts.country} has answered automated Prüm searches of {facts.data_category} since "
        f"{since}: the search is compared there automatically (hit or no hit, in minutes); "
        "the data behind a confirmed hit are then requested as a follow-up through SIENA."
    )


def _explain_r2(facts: CountryFacts) -> str:
    return (
        f"The matter is local to the border area and {facts.country} is a PCCC partner of "
        f"{facts.home}; the PCCC handles local cross-border checks."
    )


def _explain_r3(facts: CountryFacts) -> str:
    siena = "SIENA (Europol) is the default channel between member states."
    if not facts.is_biometric:
        return f"{facts.country} is {facts.membership}; {siena}"
    return (
        f"{facts.country} is {facts.membership} not reached by automated Prüm searches of "
        f"{facts.data_category} on {facts.on.isoformat()}; {siena}"
    )


def _explain_r4(facts: CountryFacts) -> str:
    return (
        f"{facts.country} is not an EU or Schengen state; a {facts.home_adjective} liaison "
        f"officer is posted in {facts.country}."
    )


def _explain_r5(facts: CountryFacts) -> str:
    return (
        f"{facts.country} is not an EU or Schengen state and has no {facts.home_adjective} "
        f"liaison officer; {facts.country} is a Europol operational partner and "
        f"{facts.crime_area} is within Europol's mandate."
    )


def _explain_r6(facts: CountryFacts) -> str:
    return f"{facts.country} {_join(_not_bilateral(facts))}; {facts.country} is an INTERPOL member."


def _explain_r7(facts: CountryFacts) -> str:
    clauses = [*_not_bilateral(facts), "is not an INTERPOL member"]
    return f"{facts.country} {_join(clauses)}: no cooperation channel reaches {facts.country}."


R0 = Rule(
    id="R0",
    when="T is the home country",
    channel=None,
    why="domestic requests use national systems",
    basis="national law (outside international police cooperation)",
    applies=lambda f: f.is_home,
    explain=_explain_r0,
)
R1 = Rule(
    id="R1",
    when="sis_alert_id is set and T is SIS-connected on the day the request was received",
    channel=Channel.SIRENE,
    why="supplementary information on SIS alerts goes only through SIRENE",
    basis="Regulation (EU) 2018/1862 Art. 8",
    applies=lambda f: f.sis_alert_id is not None and f.sis_connected,
    explain=_explain_r1,
)
P1 = Rule(
    id="P1",
    when=(
        "kind is dna or fingerprint and T answers automated Prüm searches of that data "
        "category on the day the request was received"
    ),
    channel=Channel.PRUM,
    why=(
        "DNA profiles and dactyloscopic data are compared by automated search (hit / no hit); "
        "another Union act regulates the exchange, so the Directive does not"
    ),
    basis=(
        "Council Decision 2008/615/JHA Art. 3 and 9; Regulation (EU) 2024/982 Art. 6 and 13; "
        "Directive (EU) 2023/977 Art. 1 (not for exchanges other Union acts specifically "
        "regulate)"
    ),
    applies=lambda f: f.prum_connected,
    explain=_explain_p1,
)
R2 = Rule(
    id="R2",
    when="border_area and T is a PCCC partner and kind is neither dna nor fingerprint",
    channel=Channel.PCCC,
    why="local cross-border matter",
    basis="Convention implementing the Schengen Agreement (CISA) Art. 39(4)",
    applies=lambda f: f.border_area and f.is_pccc_partner and not f.is_biometric,
    explain=_explain_r2,
)
R3 = Rule(
    id="R3",
    when="T is an EU member state or Schengen associated",
    channel=Channel.EUROPOL,
    why="SIENA is the default channel between member states",
    basis="Directive (EU) 2023/977 Art. 13",
    applies=lambda f: f.is_eu_or_schengen,
    explain=_explain_r3,
)
R4 = Rule(
    id="R4",
    when=(
        "a liaison officer of the home country is posted in T and kind is neither dna nor "
        "fingerprint"
    ),
    channel=Channel.LIAISON_OFFICER,
    why="bilateral channel where an officer is posted",
    basis="bilateral posting of a liaison officer",
    applies=lambda f: f.has_liaison_officer and not f.is_biometric,
    explain=_explain_r4,
)
R5 = Rule(
    id="R5",
    when=(
        "T is a Europol operational partner, crime_area is not other, kind is neither dna nor "
        "fingerprint"
    ),
    channel=Channel.EUROPOL,
    why="the operational agreement allows personal data for crime within the mandate",
    basis="Regulation (EU) 2016/794 Art. 3, Art. 25 and Annex I",
    applies=lambda f: f.is_europol_partner and f.in_mandate and not f.is_biometric,
    explain=_explain_r5,
)
R6 = Rule(
    id="R6",
    when="T is an INTERPOL member",
    channel=Channel.INTERPOL,
    why="I-24/7 reaches every member country",
    basis="INTERPOL Constitution Art. 2 and 4 (National Central Bureaus)",
    applies=lambda f: f.is_interpol_member,
    explain=_explain_r6,
)
R7 = Rule(
    id="R7",
    when="otherwise",
    channel=None,
    why="no cooperation channel with T",
    basis="none",
    applies=lambda f: True,
    explain=_explain_r7,
)

RULES: tuple[Rule, ...] = (R0, R1, P1, R2, R3, R4, R5, R6, R7)


def first_match(facts: CountryFacts) -> Rule:
    """The first rule of ``RULES`` that applies (R7 always does)."""
    return next(rule for rule in RULES if rule.applies(facts))
