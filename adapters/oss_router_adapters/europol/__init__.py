"""Europol stub: SIENA messages exchanged with member states' SPOCs and operational partners."""

from collections.abc import Mapping

from oss_router.channel.contract import ChannelAdapter
from oss_router.messages.codes import Channel, Kind
from oss_router_adapters.europol.answer import build_answer
from oss_router_adapters.europol.partner import PARTNER
from oss_router_adapters.stub import ChannelProfile, StubAdapter

PROFILE = ChannelProfile(
    channel=Channel.EUROPOL,
    latency_ms=600,
    kinds=frozenset(Kind),
    build_answer=build_answer,
    partner=PARTNER,
    refusal_reasons=(
        "the operational partner declines under its national law",
        "the data owner's handling restrictions do not allow an answer",
    ),
)


def create_adapter(config: Mapping[str, str]) -> ChannelAdapter:
    return StubAdapter.from_config(PROFILE, config)
