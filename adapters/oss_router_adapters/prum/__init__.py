"""Prüm stub: automated searches of DNA profiles and dactyloscopic data in another state's
national database (Council Decision 2008/615/JHA Art. 3 and 9; Regulation (EU) 2024/982
Art. 6 and 13), answered hit or no hit without human intervention."""

from collections.abc import Mapping

from oss_router.channel.contract import ChannelAdapter
from oss_router.messages.codes import BIOMETRIC_KINDS, Channel
from oss_router_adapters.prum.answer import build_answer
from oss_router_adapters.stub import ChannelProfile, StubAdapter

PROFILE = ChannelProfile(
    channel=Channel.PRUM,
    latency_ms=2000,  # an automated comparison: seconds to minutes; seconds keep a demo short
    kinds=BIOMETRIC_KINDS,  # DNA profiles and fingerprints only
    build_answer=build_answer,
    refusal_reasons=(),  # hit or no hit: an automated search is never refused
)


def create_adapter(config: Mapping[str, str]) -> ChannelAdapter:
    return StubAdapter.from_config(PROFILE, config)
