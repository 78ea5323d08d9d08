"""Liaison officer stub: the bilateral, free-form exchange with the officer posted abroad."""

from collections.abc import Mapping

from oss_router.channel.contract import ChannelAdapter
from oss_router.messages.codes import Channel, Kind
from oss_router_adapters.liaison_officer.answer import build_answer
from oss_router_adapters.liaison_officer.partner import PARTNER
from oss_router_adapters.stub import ChannelProfile, StubAdapter

PROFILE = ChannelProfile(
    channel=Channel.LIAISON_OFFICER,
    latency_ms=1500,  # a person reads and answers, the slowest channel
    kinds=frozenset({Kind.PERSON, Kind.VEHICLE, Kind.DOCUMENT}),  # no DNA or fingerprints (R4)
    build_answer=build_answer,
    partner=PARTNER,
    refusal_reasons=(
        "the local authorities need a formal request through the official channel",
        "the matter is outside the officer's remit",
    ),
)


def create_adapter(config: Mapping[str, str]) -> ChannelAdapter:
    return StubAdapter.from_config(PROFILE, config)
