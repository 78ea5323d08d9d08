"""The stub adapter: one class, configured per channel by a ChannelProfile."""

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from uuid import UUID

from oss_router.channel.contract import (
    AdapterAnswer,
    PermanentChannelError,
    ReplyReceipt,
    RetriableChannelError,
)
from oss_router.messages.codes import Channel, Outcome
from oss_router.messages.conversation import MessageEnvelope
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.messages.inbound import PartnerMessage, ReplyEnvelope
from oss_router.messages.simulation import SimulationOrder
from oss_router_adapters.stub.answer import AnswerContext
from oss_router_adapters.stub.attempts import AttemptCounter
from oss_router_adapters.stub.hooks import NO_HOOK, Hook, parse_hook
from oss_router_adapters.stub.outcome import decide, draw_for, refusal_words
from oss_router_adapters.stub.partner import StubPartner
from oss_router_adapters.stub.profile import ChannelProfile
from oss_router_adapters.stub.settings import StubSettings, parse_settings

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StubAdapter:
    """A simulated channel and the partner at its other end (contract version 3, and
    ``PartnerSimulator``). ``sleep`` and ``clock`` are injectable so tests need no real time."""

    def __init__(
        self,
        profile: ChannelProfile,
        settings: StubSettings,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = utc_now,
    ) -> None:
        self.profile = profile
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._attempts = AttemptCounter()
        self.partner = (
            StubPartner(
                profile.channel, sorted(profile.kinds), profile.partner, settings, clock=clock
            )
            if profile.partner is not None
            else None
        )

    @classmethod
    def from_config(cls, profile: ChannelProfile, config: Mapping[str, str]) -> "StubAdapter":
        return cls(profile, parse_settings(profile.channel, profile.defaults(), config))

    @property
    def channel(self) -> Channel:
        return self.profile.channel

    async def send(self, envelope: DispatchEnvelope) -> AdapterAnswer:
        self._check_deliverable(envelope)
        attempt = self._attempts.next(envelope.dispatch_id)
        hook = parse_hook(envelope.reference)
        _raise_hooked_failure(hook, attempt)
        received_at = self._clock()
        rng = self._rng(envelope.dispatch_id, attempt)
        # Failure is drawn first, so whether an attempt fails does not depend on latency.
        fails = rng.random() < self.settings.failure_rate
        await self._wait(hook, rng)
        if fails:
            raise RetriableChannelError(f"{self.channel} simulated outage, attempt {attempt}")
        answer = self._answer(envelope, received_at)
        if self.partner is not None:
            self.partner.saw_dispatch(envelope.dispatch_id, envelope.country)
        return answer

    async def receive(self, limit: int, *, wait_seconds: float) -> Sequence[PartnerMessage]:
        if self.partner is None:  # a channel nobody sends requests through: a quiet long poll
            await self._sleep(wait_seconds)
            return []
        return await self.partner.receive(limit, wait_seconds=wait_seconds)

    async def acknowledge(self, message_ids: Sequence[UUID]) -> None:
        if self.partner is not None:
            await self.partner.acknowledge(message_ids)

    async def reply(self, envelope: ReplyEnvelope) -> ReplyReceipt:
        return await self._partner().reply(envelope)

    async def send_message(self, envelope: MessageEnvelope) -> ReplyReceipt:
        """A message of ours to the partner: the latency and outages of ``send`` (seeded per
        message and attempt), then the partner takes it once (``StubPartner.take_message``:
        delivered twice, one receipt)."""
        if envelope.channel is not self.channel:
            raise PermanentChannelError(f"{envelope.channel} message sent to the {self.channel}")
        partner = self._partner()
        attempt = self._attempts.next(envelope.exchange_message_id)
        hook = _message_hook(envelope.text)
        _raise_hooked_failure(hook, attempt)
        rng = self._rng(envelope.exchange_message_id, attempt)
        fails = rng.random() < self.settings.failure_rate
        await self._wait(hook, rng)
        if fails:
            raise RetriableChannelError(f"{self.channel} simulated outage, attempt {attempt}")
        return await partner.take_message(envelope)

    async def simulate(self, order: SimulationOrder) -> int:
        if order.channel is not self.channel:
            raise PermanentChannelError(f"{order.channel} order sent to the {self.channel}")
        return await self._partner().simulate(order)

    def _partner(self) -> StubPartner:
        if self.partner is None:
            raise PermanentChannelError(
                f"the {self.channel} channel carries no requests to the bureau: partners' "
                "automated searches are answered by the national databases themselves"
            )
        return self.partner

    async def health(self) -> bool:
        return self.settings.healthy

    async def aclose(self) -> None:
        return None

    def _check_deliverable(self, envelope: DispatchEnvelope) -> None:
        if envelope.channel is not self.channel:
            raise PermanentChannelError(f"{envelope.channel} dispatch sent to the {self.channel}")
        if envelope.kind not in self.profile.kinds:
            raise PermanentChannelError(f"{self.channel} does not look up {envelope.kind}")

    def _rng(self, dispatch_id: UUID, attempt: int) -> random.Random:
        # A simulation that must replay identically, not a secret: a seeded PRNG is the point.
        return random.Random(f"{self.settings.seed}:{dispatch_id}:{attempt}")  # noqa: S311

    async def _wait(self, hook: Hook, rng: random.Random) -> None:
        delay_ms = hook.slow_ms if hook.slow_ms is not None else self._latency_ms(rng)
        if delay_ms > 0:  # latency 0 must not even yield: benchmarks measure the router alone
            await self._sleep(delay_ms / 1000)

    def _latency_ms(self, rng: random.Random) -> float:
        mean, jitter = self.settings.latency_ms, self.settings.latency_jitter_ms
        if mean == 0:
            return 0.0
        return max(0.0, mean + rng.uniform(-jitter, jitter))

    def _answer(self, envelope: DispatchEnvelope, received_at: datetime) -> AdapterAnswer:
        draw = draw_for(self.settings.seed, envelope)
        outcome, ground = decide(
            draw, envelope.kind, self.settings.hit_rate, self.settings.refusal_rate
        )
        reason = None
        if outcome is Outcome.REFUSED and not envelope.directive_exchange:
            # Art. 6(1) grounds are the Directive's; this channel refuses in its own words.
            ground, reason = None, refusal_words(draw, self.profile.refusal_reasons)
        context = AnswerContext(envelope, outcome, ground, draw, reason)
        body = self.profile.build_answer(context)
        times = {"received_at": received_at.isoformat(), "answered_at": self._clock().isoformat()}
        answer = {**body, "simulated": True, **times}
        return AdapterAnswer(
            outcome=outcome, answer=answer, refusal_ground=ground, refusal_reason=reason
        )


def _message_hook(text: str) -> Hook:
    """A message whose whole text is a test hook (``stub:retriable=2``) obeys it, as a
    dispatch whose reference is one; any other text is a message."""
    try:
        return parse_hook(text.strip())
    except PermanentChannelError:
        return NO_HOOK


def _raise_hooked_failure(hook: Hook, attempt: int) -> None:
    if hook.permanent:
        raise PermanentChannelError("rejected by test hook stub:permanent")
    if attempt <= hook.retriable:
        raise RetriableChannelError(
            f"unavailable by test hook stub:retriable={hook.retriable} (attempt {attempt})"
        )
