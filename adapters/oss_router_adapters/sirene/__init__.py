"""SIRENE stub: answers in SIRENE forms about SIS alerts (Regulation (EU) 2018/1862)."""

from collections.abc import Mapping

from oss_router.channel.contract import ChannelAdapter
from oss_router.messages.codes import Channel, Kind
from oss_router_adapters.sirene.answer import build_answer
from oss_router_adapters.sirene.partner import PARTNER
from oss_router_adapters.stub import ChannelProfile, StubAdapter

PROFILE = ChannelProfile(
    channel=Channel.SIRENE,
    latency_ms=400,
    kinds=frozenset(Kind),  # SIS holds persons, objects and, for missing persons, DNA profiles
    build_answer=build_answer,
    partner=PARTNER,
    refusal_reasons=(
        "the alert is flagged: the action to be taken is not taken on this territory "
        "(Regulation (EU) 2018/1862 Art. 24)",
        "the issuing bureau withholds the supplementary information",
    ),
)


def create_adapter(config: Mapping[str, str]) -> ChannelAdapter:
    return StubAdapter.from_config(PROFILE, config)
