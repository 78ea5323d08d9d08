"""Rule F1: the follow-up of a Prüm hit, staged by an officer, never by the rules on their own.

An automated search answers hit or no hit (Regulation (EU) 2024/982 Art. 6 and 13). After the
requesting state has confirmed a match, the requested state returns the core data within 48
hours (Art. 47(1)); any information beyond the core data is asked for under Directive (EU)
2023/977 (through SIENA, its Art. 13), which Prüm II leaves to apply to it. The follow-up is
therefore a SIENA dispatch to the state of the hit, with its own rule and basis.
"""

from typing import Any

from oss_router.messages.codes import Channel
from oss_router.routing.deadlines import PRUM_FOLLOW_UP
from oss_router.routing.facts import CountryFacts

FOLLOW_UP_RULE = "F1"
FOLLOW_UP_BASIS = (
    "Regulation (EU) 2024/982 Art. 47 (core data after a confirmed match); information beyond "
    "the core data: Directive (EU) 2023/977 Art. 4 and 13 (SIENA)"
)


def explain_follow_up(facts: CountryFacts, hit_reference: str) -> str:
    return (
        f"Follow-up of the Prüm hit {hit_reference} in {facts.country}: the data behind the "
        f"confirmed match of {facts.data_category} are requested through SIENA; "
        f"{facts.country} owes the core data within 48 hours of the confirmation "
        "(Regulation (EU) 2024/982 Art. 47(1))."
    )


def describe_follow_up() -> dict[str, Any]:
    return {
        "rule": FOLLOW_UP_RULE,
        "when": "a prum dispatch was answered with a hit; an officer stages the follow-up",
        "channel": Channel.EUROPOL.value,
        "basis": FOLLOW_UP_BASIS,
        "deadline": PRUM_FOLLOW_UP.basis,
    }
