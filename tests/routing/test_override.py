"""Officer override: eligible channels replace the rule's choice; anything else is refused."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from tests.routing.conftest import AFTER_PRUM

from oss_router.messages.codes import Channel, Kind, Urgency, UrgencyGround
from oss_router.routing import RoutingPolicy, RoutingQuery, RoutingRefused

QueryFactory = Callable[..., RoutingQuery]

REASON = "suspect is known to the NCB Kyiv from a joint case"


def _override(channel: Channel, **fields: Any) -> dict[str, Any]:
    return {"preferred_channel": channel, "override_reason": REASON, **fields}


@pytest.mark.parametrize(
    ("target", "fields", "replaced"),
    [
        pytest.param("FR", _override(Channel.SIRENE, sis_alert_id="A1", border_area=True),
                     None, id="sirene-same-as-R1"),
        pytest.param("CZ", _override(Channel.PCCC), "europol chosen by R3", id="pccc-over-R3"),
        pytest.param("FR", _override(Channel.INTERPOL), "europol chosen by R3",
                     id="interpol-over-R3"),
        pytest.param("FR", _override(Channel.LIAISON_OFFICER), "europol chosen by R3",
                     id="liaison-over-R3"),
        pytest.param("UA", _override(Channel.EUROPOL), "liaison_officer chosen by R4",
                     id="europol-partner-over-R4"),
        pytest.param("GB", _override(Channel.LIAISON_OFFICER, kind=Kind.DNA),
                     "interpol chosen by R6", id="liaison-for-dna-over-R6"),
        pytest.param("US", _override(Channel.EUROPOL, kind=Kind.DNA), "interpol chosen by R6",
                     id="europol-partner-outside-mandate"),
        pytest.param("CZ", _override(Channel.SIRENE, sis_alert_id="A1", border_area=True),
                     None, id="sirene-same-as-R1-over-pccc"),
        pytest.param("CZ", _override(Channel.EUROPOL, sis_alert_id="A1"),
                     "sirene chosen by R1", id="europol-over-R1"),
        pytest.param("DE", _override(Channel.EUROPOL, kind=Kind.DNA, received_at=AFTER_PRUM),
                     "prum chosen by P1", id="siena-over-P1"),
        pytest.param("DE", _override(Channel.PRUM, kind=Kind.FINGERPRINT, sis_alert_id="A1",
                                     received_at=AFTER_PRUM),
                     "sirene chosen by R1", id="prum-over-R1"),
    ],
)  # fmt: skip
def test_eligible_override(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    target: str,
    fields: dict[str, Any],
    replaced: str | None,
) -> None:
    [dispatch] = policy.decide(make_query(target, **fields)).dispatches
    assert dispatch.channel is fields["preferred_channel"]
    if replaced is None:
        # The officer asked for what the rules chose anyway: the rule keeps the credit.
        assert dispatch.rule.startswith("R")
        return
    assert dispatch.rule == "OVERRIDE"
    assert dispatch.explanation.startswith(f"Officer override: {dispatch.channel.value} instead")
    assert replaced in dispatch.explanation
    assert f'reason: "{REASON}"' in dispatch.explanation


def test_override_explanation_sentence(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    query = make_query("FR", **_override(Channel.INTERPOL))
    [dispatch] = policy.decide(query).dispatches
    assert dispatch.explanation == (
        "Officer override: interpol instead of europol chosen by R3 (FR is an EU member state; "
        "SIENA (Europol) is the default channel between member states); "
        f'reason: "{REASON}".'
    )


@pytest.mark.parametrize(
    ("target", "fields", "reason"),
    [
        pytest.param("FR", _override(Channel.SIRENE),
                     "sirene is not eligible for FR: the request follows up no SIS alert",
                     id="sirene-without-alert"),
        pytest.param("UA", _override(Channel.SIRENE, sis_alert_id="A1"),
                     "sirene is not eligible for UA: UA is not SIS-connected on 2025-06-02",
                     id="sirene-unconnected"),
        pytest.param("FR", _override(Channel.PCCC),
                     "pccc is not eligible for FR: FR is not a PCCC partner of PL",
                     id="pccc-non-partner"),
        pytest.param("CZ", _override(Channel.PCCC, kind=Kind.DNA),
                     "pccc is not eligible for CZ: DNA profiles and fingerprints are not exchanged "
                     "through a PCCC",
                     id="pccc-dna"),
        pytest.param("CN", _override(Channel.EUROPOL),
                     "europol is not eligible for CN: CN is neither an EU or Schengen state nor "
                     "a Europol operational partner", id="europol-outside"),
        pytest.param("CN", _override(Channel.LIAISON_OFFICER),
                     "liaison_officer is not eligible for CN: no Polish liaison officer is "
                     "posted in CN", id="liaison-not-posted"),
        pytest.param("LT", _override(Channel.LIAISON_OFFICER),
                     "liaison_officer is not eligible for LT: no Polish liaison officer is "
                     "posted in LT", id="liaison-not-posted-eu"),
        pytest.param("XK", _override(Channel.INTERPOL),
                     "interpol is not eligible for XK: XK is not an INTERPOL member",
                     id="interpol-non-member"),
        pytest.param("DE", _override(Channel.PRUM, received_at=AFTER_PRUM),
                     "prum is not eligible for DE: automated Prüm searches compare DNA profiles "
                     "and fingerprints only", id="prum-person"),
        pytest.param("DE", _override(Channel.PRUM, kind=Kind.DNA),
                     "prum is not eligible for DE: DE does not answer automated Prüm searches "
                     "of DNA profiles on 2025-06-02", id="prum-before-connection"),
        pytest.param("US", _override(Channel.PRUM, kind=Kind.FINGERPRINT,
                                     received_at=AFTER_PRUM),
                     "prum is not eligible for US: US does not answer automated Prüm searches "
                     "of dactyloscopic data (fingerprints) on 2026-12-01", id="prum-outside"),
    ],
)  # fmt: skip
def test_ineligible_override_is_refused(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    target: str,
    fields: dict[str, Any],
    reason: str,
) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query(target, **fields))
    assert caught.value.field == "preferred_channel"
    assert caught.value.rule == "OVERRIDE"
    assert caught.value.reason.startswith(reason)


def test_override_ineligible_for_one_target_refuses_all(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query("CZ", "FR", **_override(Channel.PCCC)))
    assert caught.value.reason.startswith("pccc is not eligible for FR")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_override_without_reason_is_refused(
    policy: RoutingPolicy, make_query: QueryFactory, reason: str | None
) -> None:
    query = make_query("FR", preferred_channel=Channel.INTERPOL, override_reason=reason)
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(query)
    assert caught.value.field == "override_reason"


def test_override_cannot_route_the_home_country(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query("PL", **_override(Channel.EUROPOL)))
    assert (caught.value.field, caught.value.rule) == ("target_countries[0]", "R0")


@pytest.mark.parametrize(
    ("target", "channel", "hours", "basis"),
    [
        ("FR", Channel.INTERPOL, 24, "service target"),  # interpol is outside the Directive
        ("FR", Channel.LIAISON_OFFICER, 24, "service target"),
        ("CZ", Channel.PCCC, 24, "service target (PCCC"),  # a direct exchange, no Art. 5(1)
        ("UA", Channel.EUROPOL, 24, "service target"),
        ("DE", Channel.SIRENE, 12, "Regulation (EU) 2018/1862 Art. 8(3)"),
    ],
)
def test_override_deadline_follows_channel_and_country(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    target: str,
    channel: Channel,
    hours: int,
    basis: str,
) -> None:
    query = make_query(
        target,
        **_override(channel, sis_alert_id="A1" if channel is Channel.SIRENE else None),
        urgency=Urgency.URGENT,
        urgency_ground=UrgencyGround.PUBLIC_SECURITY_THREAT,
        access_type="direct",
    )
    [dispatch] = policy.decide(query).dispatches
    assert dispatch.due_at - query.received_at == timedelta(hours=hours)
    assert dispatch.deadline_basis.startswith(basis)
