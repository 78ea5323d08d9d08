"""Answer deadlines of a dispatch: computed from the time received, never typed in.

On an outgoing dispatch a deadline is the answer the *requested* state owes, not an obligation
of ours: Directive (EU) 2023/977 Art. 5(1) binds the single point of contact that receives a
request (SIENA to an EU or Schengen associated state); Regulation (EU) 2018/1862 Art. 8 binds
the SIRENE bureau asked for supplementary information; Regulation (EU) 2024/982 Art. 47(1)
binds the state that holds the data behind a confirmed Prüm match (the follow-up). Everything
else carries a configurable service target of the bureau's: automated Prüm searches (minutes),
PCCC exchanges (direct exchanges between competent authorities, which Art. 5(1) does not
govern) and the channels outside the Directive. When a deadline passes, the officer may remind
the partner; nothing is breached on our side.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oss_router.messages.codes import AccessType, Channel, Urgency

SIRENE_HOURS = 12
URGENT_DIRECT_HOURS = 8
URGENT_INDIRECT_HOURS = 72
NORMAL_HOURS = 168
PRUM_CORE_DATA_HOURS = 48  # Regulation (EU) 2024/982 Art. 47(1)

# The channel whose exchanges with an EU or Schengen state are requests to a single point of
# contact under the Directive (its Art. 5 deadlines, Art. 6 refusal grounds, Art. 18 figures).
# A PCCC exchange is a direct exchange between competent authorities (Art. 8), not a request
# to a single point of contact; a Prüm search is regulated by Regulation (EU) 2024/982.
DIRECTIVE_CHANNELS = frozenset({Channel.EUROPOL})

OWED = "the requested state owes its answer within"


def under_directive(channel: Channel | str, eu_or_schengen: bool) -> bool:
    """Whether a dispatch is a request to a single point of contact under Directive (EU)
    2023/977 (SIENA to an EU or Schengen associated state)."""
    return eu_or_schengen and Channel(channel) in DIRECTIVE_CHANNELS


@dataclass(frozen=True)
class ServiceTargets:
    """The bureau's service targets where no legal time limit applies (configurable)."""

    urgent_hours: int = 24
    normal_hours: int = 168
    prum_minutes: int = 15
    pccc_hours: int = 24

    def __post_init__(self) -> None:
        values = (self.urgent_hours, self.normal_hours, self.prum_minutes, self.pccc_hours)
        if min(values) <= 0:
            raise ValueError("service targets must be positive")
        if self.urgent_hours > self.normal_hours:
            raise ValueError("the urgent service target cannot be longer than the normal one")


@dataclass(frozen=True)
class Deadline:
    minutes: int
    basis: str

    @property
    def hours(self) -> float:
        return self.minutes / 60

    def due(self, received_at: datetime) -> datetime:
        return received_at + timedelta(minutes=self.minutes)


def _hours(hours: int, basis: str) -> Deadline:
    return Deadline(hours * 60, basis)


SIRENE = _hours(
    SIRENE_HOURS,
    f"Regulation (EU) 2018/1862 Art. 8(3): the SIRENE bureau of the requested state owes "
    f"supplementary information within {SIRENE_HOURS} hours",
)
URGENT_DIRECT = _hours(
    URGENT_DIRECT_HOURS,
    f"Directive (EU) 2023/977 Art. 5(1)(a): urgent, information we expect to be directly "
    f"accessible — {OWED} {URGENT_DIRECT_HOURS} hours",
)
URGENT_INDIRECT = _hours(
    URGENT_INDIRECT_HOURS,
    f"Directive (EU) 2023/977 Art. 5(1)(b): urgent, information we expect to be indirectly "
    f"accessible — {OWED} 3 days ({URGENT_INDIRECT_HOURS} hours)",
)
NORMAL = _hours(
    NORMAL_HOURS,
    f"Directive (EU) 2023/977 Art. 5(1)(c): not urgent — {OWED} 7 days ({NORMAL_HOURS} hours)",
)
PRUM_FOLLOW_UP = _hours(
    PRUM_CORE_DATA_HOURS,
    "Regulation (EU) 2024/982 Art. 47(1): after a match confirmed by the requesting state, the "
    f"requested state owes the core data within {PRUM_CORE_DATA_HOURS} hours (unless its law "
    "requires a judicial authorisation)",
)


def _service_target(urgency: Urgency, targets: ServiceTargets) -> Deadline:
    hours = targets.urgent_hours if urgency == Urgency.URGENT else targets.normal_hours
    return _hours(
        hours,
        f"service target (no legal time limit binds the partner): {urgency.value} — answer "
        f"expected within {hours} hours",
    )


def _prum(targets: ServiceTargets) -> Deadline:
    return Deadline(
        targets.prum_minutes,
        "service target (automated Prüm search, Regulation (EU) 2024/982 Art. 6 and 13; no "
        f"Directive time limit): hit or no hit expected within {targets.prum_minutes} minutes",
    )


def _pccc(targets: ServiceTargets) -> Deadline:
    return _hours(
        targets.pccc_hours,
        "service target (PCCC: direct exchange between competent authorities, no Directive "
        f"(EU) 2023/977 Art. 5(1) time limit): answer expected within {targets.pccc_hours} hours",
    )


def _directive(urgency: Urgency, access_type: AccessType) -> Deadline:
    if urgency == Urgency.NORMAL:
        return NORMAL
    return URGENT_DIRECT if access_type == AccessType.DIRECT else URGENT_INDIRECT


def deadline_for(
    channel: Channel,
    eu_or_schengen: bool,
    urgency: Urgency,
    access_type: AccessType,
    targets: ServiceTargets,
) -> Deadline:
    """The deadline of one dispatch, per the policy's deadline table (first row that fits)."""
    if channel == Channel.SIRENE:
        return SIRENE
    if channel == Channel.PRUM:
        return _prum(targets)
    if channel == Channel.PCCC:
        return _pccc(targets)
    if under_directive(channel, eu_or_schengen):
        return _directive(urgency, access_type)
    return _service_target(urgency, targets)


def describe_deadlines(targets: ServiceTargets) -> list[dict[str, Any]]:
    """The deadline table, in the order it is applied."""
    rows = [
        ("sirene", SIRENE),
        ("prum (automated search)", _prum(targets)),
        ("pccc", _pccc(targets)),
        ("europol to an EU/Schengen state, urgent, direct access expected", URGENT_DIRECT),
        ("europol to an EU/Schengen state, urgent, indirect access expected", URGENT_INDIRECT),
        ("europol to an EU/Schengen state, normal", NORMAL),
        ("follow-up of a Prüm hit (rule F1, through SIENA)", PRUM_FOLLOW_UP),
        ("any other, urgent", _service_target(Urgency.URGENT, targets)),
        ("any other, normal", _service_target(Urgency.NORMAL, targets)),
    ]
    return [
        {"situation": what, "minutes": d.minutes, "hours": d.hours, "basis": d.basis}
        for what, d in rows
    ]
