"""Interpol stub: I-24/7 messages to National Central Bureaus and their databases."""

from collections.abc import Mapping

from oss_router.channel.contract import ChannelAdapter
from oss_router.messages.codes import Channel, Kind
from oss_router_adapters.interpol.answer import build_answer
from oss_router_adapters.interpol.partner import PARTNER
from oss_router_adapters.stub import ChannelProfile, StubAdapter

PROFILE = ChannelProfile(
    channel=Channel.INTERPOL,
    latency_ms=800,
    kinds=frozenset(Kind),
    build_answer=build_answer,
    partner=PARTNER,
    refusal_reasons=(
        "INTERPOL Constitution Art. 3: the matter is of a political, military, religious or "
        "racial character",
        "the source of the data has not consented to its disclosure",
    ),
)


def create_adapter(config: Mapping[str, str]) -> ChannelAdapter:
    return StubAdapter.from_config(PROFILE, config)
