"""Our own deadlines for a request we received: computed from the time of receipt, never typed in.

The bureau is the *requested* single point of contact here, so the time limits bind us:

- **SIENA from an EU member state or a Schengen associated state**: Directive (EU) 2023/977
  Art. 5(1), counted from the receipt of the request (its second subparagraph): (a) 8 hours
  for urgent requests about directly accessible information, (b) 3 calendar days for urgent
  requests about indirectly accessible information, (c) 7 calendar days for all others.
  Directly accessible information is what a database the single point of contact (or the
  competent authorities) can search itself holds; indirectly accessible information is what
  it obtains from other authorities or private parties without coercive measures (Art. 2(6)
  and (7)). Which one a request is about is ours to decide (``InboundRequest.access_type``).
  Urgency is the requesting state's, on the Art. 4(4) grounds (``UrgencyGround``).
- **SIRENE**: a request for supplementary information is answered as soon as possible and
  within 12 hours of its receipt (Regulation (EU) 2018/1862 Art. 8(3); the SIRENE Manual says
  the same of every SIRENE request).
- **Interpol, liaison officers, PCCCs, and SIENA from Europol's partners outside the EU and
  Schengen**: no statutory time limit binds us — third states are not bound by the Directive,
  and direct exchanges between competent authorities such as PCCCs are not requests to the
  single point of contact, which are what Art. 5 governs. The bureau's own service targets
  apply, configurable per channel (``config.Settings.inbound_*_hours``).

Each due time carries its basis in words, citing the article.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from oss_router.config import Settings
from oss_router.country.loader import load_reference_data
from oss_router.messages.codes import AccessType, Channel, Urgency
from oss_router.routing.deadlines import NORMAL, SIRENE, URGENT_DIRECT, URGENT_INDIRECT, Deadline

# The service targets' situations: a channel, or SIENA traffic from outside the Directive.
EUROPOL_PARTNER = "europol_partner"
_TARGET_WORDING = {
    Channel.INTERPOL.value: "Interpol request",
    Channel.LIAISON_OFFICER.value: "liaison officer's request",
    Channel.PCCC.value: "PCCC request",
    EUROPOL_PARTNER: "SIENA request from a state outside the EU and Schengen",
}


@dataclass(frozen=True)
class InboundTargets:
    """The bureau's service targets (hours from receipt) where no statutory limit applies."""

    interpol: tuple[int, int] = (24, 168)  # (urgent, normal)
    liaison_officer: tuple[int, int] = (24, 168)
    pccc: tuple[int, int] = (8, 72)
    europol_partner: tuple[int, int] = (24, 168)

    def __post_init__(self) -> None:
        for name in _TARGET_WORDING:
            urgent, normal = getattr(self, name)
            if urgent <= 0 or normal <= 0:
                raise ValueError(f"the {name} service targets must be positive hours")
            if urgent > normal:
                raise ValueError(f"the urgent {name} service target exceeds the normal one")

    @classmethod
    def from_settings(cls, settings: Settings) -> "InboundTargets":
        """From ``config.Settings`` (``inbound_<situation>_urgent_hours`` / ``_normal_hours``)."""
        return cls(
            **{
                name: (
                    int(getattr(settings, f"inbound_{name}_urgent_hours")),
                    int(getattr(settings, f"inbound_{name}_normal_hours")),
                )
                for name in _TARGET_WORDING
            }
        )


@dataclass(frozen=True)
class Due:
    """When the answer is due, and why (``deadline_basis``)."""

    due_at: datetime
    basis: str
    hours: int
    statutory: bool  # set by law (Directive, SIS Regulation), not by the bureau


def is_directive_request(channel: Channel, requesting_country: str) -> bool:
    """A SIENA request from a state the Directive binds (EU member states and the Schengen
    associated states, for which it develops the Schengen acquis)."""
    return channel is Channel.EUROPOL and load_reference_data().is_eu_or_schengen(
        requesting_country.upper()
    )


def deadline_of(
    channel: Channel,
    requesting_country: str,
    urgency: Urgency,
    access_type: AccessType,
    targets: InboundTargets,
) -> tuple[Deadline, bool]:
    """The deadline that binds us for such a request, and whether it is statutory."""
    if channel is Channel.SIRENE:
        return SIRENE, True
    if channel is Channel.EUROPOL:
        if is_directive_request(channel, requesting_country):
            if urgency is Urgency.NORMAL:
                return NORMAL, True
            return (URGENT_DIRECT if access_type is AccessType.DIRECT else URGENT_INDIRECT), True
        return _service_target(EUROPOL_PARTNER, urgency, targets), False
    return _service_target(channel.value, urgency, targets), False


def compute_due(
    *,
    channel: Channel,
    requesting_country: str,
    urgency: Urgency,
    access_type: AccessType,
    received_at: datetime,
    targets: InboundTargets,
) -> Due:
    """``due_at`` = ``received_at`` + the deadline (exact to the microsecond: a request received
    at 10:00:00 and urgent about directly accessible information is due at 18:00:00)."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    deadline, statutory = deadline_of(channel, requesting_country, urgency, access_type, targets)
    return Due(
        due_at=received_at + timedelta(hours=deadline.hours),
        basis=f"{deadline.basis}, from receipt",
        hours=deadline.hours,
        statutory=statutory,
    )


def _service_target(situation: str, urgency: Urgency, targets: InboundTargets) -> Deadline:
    urgent, normal = getattr(targets, situation)
    hours = urgent if urgency is Urgency.URGENT else normal
    return Deadline(
        hours,
        f"service target of the bureau for a {urgency.value} {_TARGET_WORDING[situation]} "
        f"(no statutory time limit; outside Directive (EU) 2023/977 Art. 5) — {hours} hours",
    )
