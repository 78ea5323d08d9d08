"""Answer deadlines of a dispatch: computed from the time received, never typed in.

Directive (EU) 2023/977 Art. 5(1) sets the deadlines between member states (SIENA or PCCC to
an EU or Schengen associated state); Regulation (EU) 2018/1862 Art. 8(3) sets SIRENE's; every
other channel gets the bureau's configurable service targets.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oss_router.messages.codes import AccessType, Channel, Urgency

SIRENE_HOURS = 12
URGENT_DIRECT_HOURS = 8
URGENT_INDIRECT_HOURS = 72
NORMAL_HOURS = 168

# Channels between member states that the Directive's Art. 5 deadlines govern.
DIRECTIVE_CHANNELS = frozenset({Channel.EUROPOL, Channel.PCCC})


@dataclass(frozen=True)
class ServiceTargets:
    """Service targets for answers outside the Directive (hours, configurable)."""

    urgent_hours: int = 24
    normal_hours: int = 168

    def __post_init__(self) -> None:
        if self.urgent_hours <= 0 or self.normal_hours <= 0:
            raise ValueError("service targets must be positive numbers of hours")
        if self.urgent_hours > self.normal_hours:
            raise ValueError("the urgent service target cannot be longer than the normal one")


@dataclass(frozen=True)
class Deadline:
    hours: int
    basis: str

    def due(self, received_at: datetime) -> datetime:
        return received_at + timedelta(hours=self.hours)


SIRENE = Deadline(
    SIRENE_HOURS, f"Regulation (EU) 2018/1862 Art. 8(3): SIRENE — {SIRENE_HOURS} hours"
)
URGENT_DIRECT = Deadline(
    URGENT_DIRECT_HOURS,
    "Directive (EU) 2023/977 Art. 5(1)(a): urgent, directly accessible — "
    f"{URGENT_DIRECT_HOURS} hours",
)
URGENT_INDIRECT = Deadline(
    URGENT_INDIRECT_HOURS,
    "Directive (EU) 2023/977 Art. 5(1)(b): urgent, not directly accessible — "
    f"3 days ({URGENT_INDIRECT_HOURS} hours)",
)
NORMAL = Deadline(
    NORMAL_HOURS,
    f"Directive (EU) 2023/977 Art. 5(1)(c): not urgent — 7 days ({NORMAL_HOURS} hours)",
)


def _service_target(urgency: Urgency, targets: ServiceTargets) -> Deadline:
    hours = targets.urgent_hours if urgency == Urgency.URGENT else targets.normal_hours
    return Deadline(
        hours, f"service target (outside Directive (EU) 2023/977): {urgency.value} — {hours} hours"
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
    if eu_or_schengen and channel in DIRECTIVE_CHANNELS:
        return _directive(urgency, access_type)
    return _service_target(urgency, targets)


def describe_deadlines(targets: ServiceTargets) -> list[dict[str, Any]]:
    """The deadline table, in the order it is applied."""
    rows = [
        ("sirene", SIRENE),
        ("europol or pccc to an EU/Schengen state, urgent, direct access", URGENT_DIRECT),
        ("europol or pccc to an EU/Schengen state, urgent, indirect access", URGENT_INDIRECT),
        ("europol or pccc to an EU/Schengen state, normal", NORMAL),
        ("any other, urgent", _service_target(Urgency.URGENT, targets)),
        ("any other, normal", _service_target(Urgency.NORMAL, targets)),
    ]
    return [{"situation": what, "hours": d.hours, "basis": d.basis} for what, d in rows]
