"""Our deadlines for received requests, for every channel × urgency × access type, exact on
their boundaries (a controlled clock: the received time is given)."""

from datetime import UTC, datetime, timedelta

import pytest

from oss_router.config import Settings
from oss_router.inbound.deadlines import InboundTargets, compute_due, is_directive_request
from oss_router.messages.codes import RECEIVING_CHANNELS, AccessType, Channel, Urgency

RECEIVED = datetime(2026, 3, 28, 23, 30, 15, 250_000, tzinfo=UTC)  # the night DST starts in EU
TARGETS = InboundTargets(
    interpol=(20, 150), liaison_officer=(30, 160), pccc=(6, 48), europol_partner=(12, 96)
)

# (channel, requesting country, urgency, access type) -> (hours, words the basis must contain)
CASES: list[tuple[Channel, str, Urgency, AccessType, int, str]] = [
    # SIENA from EU and Schengen associated states: Directive (EU) 2023/977 Art. 5(1)
    (Channel.EUROPOL, "DE", Urgency.URGENT, AccessType.DIRECT, 8, "Art. 5(1)(a)"),
    (Channel.EUROPOL, "DE", Urgency.URGENT, AccessType.INDIRECT, 72, "Art. 5(1)(b)"),
    (Channel.EUROPOL, "DE", Urgency.NORMAL, AccessType.DIRECT, 168, "Art. 5(1)(c)"),
    (Channel.EUROPOL, "DE", Urgency.NORMAL, AccessType.INDIRECT, 168, "Art. 5(1)(c)"),
    (Channel.EUROPOL, "NO", Urgency.URGENT, AccessType.DIRECT, 8, "Art. 5(1)(a)"),
    (Channel.EUROPOL, "CH", Urgency.URGENT, AccessType.INDIRECT, 72, "Art. 5(1)(b)"),
    # SIENA from Europol's partners outside the Directive: our service target
    (Channel.EUROPOL, "US", Urgency.URGENT, AccessType.DIRECT, 12, "service target"),
    (Channel.EUROPOL, "US", Urgency.URGENT, AccessType.INDIRECT, 12, "service target"),
    (Channel.EUROPOL, "GB", Urgency.NORMAL, AccessType.DIRECT, 96, "service target"),
    (Channel.EUROPOL, "GB", Urgency.NORMAL, AccessType.INDIRECT, 96, "service target"),
    # SIRENE: Regulation (EU) 2018/1862 Art. 8(3), 12 hours whatever the urgency
    (Channel.SIRENE, "FR", Urgency.URGENT, AccessType.DIRECT, 12, "2018/1862 Art. 8(3)"),
    (Channel.SIRENE, "FR", Urgency.URGENT, AccessType.INDIRECT, 12, "2018/1862 Art. 8(3)"),
    (Channel.SIRENE, "FR", Urgency.NORMAL, AccessType.DIRECT, 12, "2018/1862 Art. 8(3)"),
    (Channel.SIRENE, "FR", Urgency.NORMAL, AccessType.INDIRECT, 12, "2018/1862 Art. 8(3)"),
    # Interpol, liaison officers, PCCCs: our service targets, whatever the country
    (Channel.INTERPOL, "BR", Urgency.URGENT, AccessType.DIRECT, 20, "Interpol"),
    (Channel.INTERPOL, "BR", Urgency.URGENT, AccessType.INDIRECT, 20, "Interpol"),
    (Channel.INTERPOL, "DE", Urgency.NORMAL, AccessType.DIRECT, 150, "Interpol"),
    (Channel.INTERPOL, "DE", Urgency.NORMAL, AccessType.INDIRECT, 150, "Interpol"),
    (Channel.LIAISON_OFFICER, "UA", Urgency.URGENT, AccessType.DIRECT, 30, "liaison officer"),
    (Channel.LIAISON_OFFICER, "UA", Urgency.URGENT, AccessType.INDIRECT, 30, "liaison officer"),
    (Channel.LIAISON_OFFICER, "FR", Urgency.NORMAL, AccessType.DIRECT, 160, "liaison officer"),
    (Channel.LIAISON_OFFICER, "FR", Urgency.NORMAL, AccessType.INDIRECT, 160, "liaison officer"),
    (Channel.PCCC, "CZ", Urgency.URGENT, AccessType.DIRECT, 6, "PCCC"),
    (Channel.PCCC, "CZ", Urgency.URGENT, AccessType.INDIRECT, 6, "PCCC"),
    (Channel.PCCC, "DE", Urgency.NORMAL, AccessType.DIRECT, 48, "PCCC"),
    (Channel.PCCC, "DE", Urgency.NORMAL, AccessType.INDIRECT, 48, "PCCC"),
]


@pytest.mark.parametrize(("channel", "country", "urgency", "access", "hours", "words"), CASES)
def test_due_exactly_the_deadline_after_receipt(
    channel: Channel, country: str, urgency: Urgency, access: AccessType, hours: int, words: str
) -> None:
    due = compute_due(
        channel=channel,
        requesting_country=country,
        urgency=urgency,
        access_type=access,
        received_at=RECEIVED,
        targets=TARGETS,
    )
    # Exact to the microsecond, in elapsed hours (UTC): no rounding, no local-time shift.
    assert due.due_at == RECEIVED + timedelta(hours=hours)
    assert due.hours == hours
    assert words in due.basis
    assert due.basis.endswith("from receipt")
    assert due.statutory is words.startswith(("Art.", "2018"))


def test_every_channel_urgency_and_access_type_is_covered() -> None:
    covered = {(channel, urgency, access) for channel, _, urgency, access, _, _ in CASES}
    assert covered == {
        (channel, urgency, access)
        for channel in RECEIVING_CHANNELS
        for urgency in Urgency
        for access in AccessType
    }


@pytest.mark.parametrize(
    ("country", "directive"),
    [("PL", True), ("IS", True), ("LI", True), ("US", False), ("RS", False)],
)
def test_siena_from_the_eu_and_schengen_is_a_directive_request(
    country: str, directive: bool
) -> None:
    assert is_directive_request(Channel.EUROPOL, country) is directive
    assert is_directive_request(Channel.INTERPOL, country) is False


def test_targets_come_from_the_settings() -> None:
    settings = Settings(inbound_pccc_urgent_hours=3, inbound_pccc_normal_hours=30)
    targets = InboundTargets.from_settings(settings)
    assert targets.pccc == (3, 30)
    assert targets.interpol == (24, 168)


def test_an_urgent_target_longer_than_the_normal_one_is_refused() -> None:
    with pytest.raises(ValueError, match="urgent pccc"):
        InboundTargets(pccc=(80, 72))


def test_a_naive_received_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_due(
            channel=Channel.SIRENE,
            requesting_country="FR",
            urgency=Urgency.NORMAL,
            access_type=AccessType.DIRECT,
            received_at=RECEIVED.replace(tzinfo=None),
            targets=TARGETS,
        )
