"""Prüm stub: automated searches of DNA profiles and dactyloscopic data in another state's
national database (Council Decision 2008/615/JHA Art. 3 and 9; Regulation (EU) 2024/982
Art. 6 and 13), answered hit or no hit without human intervention."""

from collections.abc import Mapping

from oss_router.channel.contract import AdapterAnswer, ChannelAdapter
from oss_router.messages.codes import BIOMETRIC_KINDS, Channel
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router_adapters.prum.answer import build_answer
from oss_router_adapters.stub import ChannelProfile, StubAdapter

PROFILE = ChannelProfile(
    channel=Channel.PRUM,
    latency_ms=2000,  # an automated comparison: seconds to minutes; seconds keep a demo short
    kinds=BIOMETRIC_KINDS,  # DNA profiles and fingerprints only
    build_answer=build_answer,
    refusal_reasons=(),  # hit or no hit: an automated search is never refused
)


class PrumStub:
    """A sending-only adapter (contract version 1): nobody sends the bureau requests through
    Prüm — another state's search of our databases is answered by them, hit or no hit, without
    the bureau (Regulation (EU) 2024/982 Art. 6 and 13), so there is nothing to receive."""

    def __init__(self, stub: StubAdapter) -> None:
        self.stub = stub

    @property
    def channel(self) -> Channel:
        return self.stub.channel

    async def send(self, envelope: DispatchEnvelope) -> AdapterAnswer:
        return await self.stub.send(envelope)

    async def health(self) -> bool:
        return await self.stub.health()

    async def aclose(self) -> None:
        await self.stub.aclose()


def create_adapter(config: Mapping[str, str]) -> ChannelAdapter:
    return PrumStub(StubAdapter.from_config(PROFILE, config))
