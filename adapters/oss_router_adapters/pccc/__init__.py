"""PCCC stub: quick local checks by the Police and Customs Cooperation Centre of a neighbour."""

from collections.abc import Mapping

from oss_router.channel.contract import ChannelAdapter
from oss_router.messages.codes import Channel, Kind
from oss_router_adapters.pccc.answer import build_answer
from oss_router_adapters.pccc.partner import PARTNER
from oss_router_adapters.stub import ChannelProfile, StubAdapter

PROFILE = ChannelProfile(
    channel=Channel.PCCC,
    latency_ms=200,  # local databases, the fastest channel
    kinds=frozenset({Kind.PERSON, Kind.VEHICLE, Kind.DOCUMENT}),  # no DNA or fingerprints (R2)
    build_answer=build_answer,
    partner=PARTNER,
    refusal_reasons=(
        "outside the centre's competence: refer the request to the single point of contact",
        "the check needs a judicial authorisation",
    ),
)


def create_adapter(config: Mapping[str, str]) -> ChannelAdapter:
    return StubAdapter.from_config(PROFILE, config)
