"""What the stub adapters promise beyond the contract: seeded, reproducible answers, simulated
latency, the ``stub:`` hooks and random failures (docs/adapters.md)."""

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest

from oss_router.channel.contract import (
    AdapterAnswer,
    PermanentChannelError,
    RetriableChannelError,
)
from oss_router.messages.codes import Channel, Kind, Outcome
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router_adapters import europol, interpol, liaison_officer, pccc, prum, sirene
from oss_router_adapters.stub import ChannelProfile, StubAdapter
from oss_router_adapters.stub.settings import parse_settings

PROFILES = {
    module.PROFILE.channel: module.PROFILE
    for module in (sirene, europol, interpol, liaison_officer, pccc)
}
FAST = {"latency_ms": "0"}
# Keys that name the channel's message, hence differ between two dispatches of one lookup.
PER_DISPATCH_KEYS = {"siena_reference", "message_reference", "received_at", "answered_at"}


def _stable(answer: AdapterAnswer) -> tuple[Outcome, Any, dict[str, Any]]:
    body = {key: value for key, value in answer.answer.items() if key not in PER_DISPATCH_KEYS}
    return answer.outcome, answer.refusal_ground, body


async def _outcomes(adapter: StubAdapter, envelopes: list[DispatchEnvelope]) -> list[AdapterAnswer]:
    return [await adapter.send(envelope) for envelope in envelopes]


Stub = Callable[..., StubAdapter]


@pytest.fixture(params=sorted(PROFILES), ids=str)
def channel(request: pytest.FixtureRequest) -> Channel:
    return Channel(request.param)


@pytest.fixture
def stub(channel: Channel) -> Stub:
    """``stub(config, sleep=...)``: the channel's stub, configured as its factory would be."""
    profile: ChannelProfile = PROFILES[channel]

    def make(config: dict[str, str], sleep: Any = None) -> StubAdapter:
        settings = parse_settings(channel, profile.defaults(), config)
        return (
            StubAdapter(profile, settings)
            if sleep is None
            else StubAdapter(profile, settings, sleep=sleep)
        )

    return make


async def test_same_envelope_same_answer(
    stub: Stub, channel: Channel, make_envelope: Any, subjects_of: Any
) -> None:
    envelopes = [make_envelope(channel, subject=s) for s in subjects_of(Kind.PERSON, 30)]
    first = await _outcomes(stub(FAST), envelopes)
    again = await _outcomes(stub(FAST), envelopes)
    assert [_stable(a) for a in first] == [_stable(a) for a in again]


async def test_outcome_depends_on_the_lookup_not_on_the_dispatch(
    stub: Stub, channel: Channel, make_envelope: Any, subjects_of: Any
) -> None:
    adapter = stub(FAST)
    for subject in subjects_of(Kind.PERSON, 30):
        one = await adapter.send(make_envelope(channel, subject=subject))
        other = await adapter.send(make_envelope(channel, subject=subject))
        assert _stable(one) == _stable(other)


async def test_subject_key_order_does_not_matter(
    stub: Stub, channel: Channel, make_envelope: Any, subjects_of: Any
) -> None:
    adapter = stub(FAST)
    for subject in subjects_of(Kind.PERSON, 20):
        reordered = dict(reversed(subject.items()))
        one = await adapter.send(make_envelope(channel, subject=subject))
        other = await adapter.send(make_envelope(channel, subject=reordered))
        assert _stable(one) == _stable(other)


async def test_every_outcome_reachable_with_default_rates(
    stub: Stub, channel: Channel, make_envelope: Any, subjects_of: Any
) -> None:
    envelopes = [make_envelope(channel, subject=s) for s in subjects_of(Kind.PERSON, 200)]
    answers = await _outcomes(stub(FAST), envelopes)
    assert {answer.outcome for answer in answers} == set(Outcome)


async def test_a_refusal_under_the_directive_carries_an_art_6_ground(
    make_envelope: Any, subjects_of: Any
) -> None:
    adapter = StubAdapter.from_config(
        europol.PROFILE, {**FAST, "hit_rate": "0", "refusal_rate": "1"}
    )
    envelopes = [
        make_envelope(Channel.EUROPOL, subject=s, directive_exchange=True)
        for s in subjects_of(Kind.PERSON, 80)
    ]
    answers = await _outcomes(adapter, envelopes)
    assert {answer.outcome for answer in answers} == {Outcome.REFUSED}
    grounds = {answer.refusal_ground for answer in answers}
    assert None not in grounds
    assert len(grounds) > 1  # the ground is drawn, not fixed
    assert {answer.refusal_reason for answer in answers} == {None}
    assert all("Directive (EU) 2023/977 Art. 6(1)" in a.answer["remarks"] for a in answers)


async def test_a_refusal_outside_the_directive_is_in_the_channels_own_words(
    stub: Stub, channel: Channel, make_envelope: Any, subjects_of: Any
) -> None:
    # SIRENE, INTERPOL, liaison officers, PCCCs and Europol's third-state partners are not
    # bound by Directive (EU) 2023/977 Art. 6(1): no ground from its closed list.
    adapter = stub({**FAST, "hit_rate": "0", "refusal_rate": "1"})
    envelopes = [make_envelope(channel, subject=s) for s in subjects_of(Kind.PERSON, 80)]
    answers = await _outcomes(adapter, envelopes)
    assert {answer.outcome for answer in answers} == {Outcome.REFUSED}
    assert {answer.refusal_ground for answer in answers} == {None}
    reasons = {answer.refusal_reason for answer in answers}
    assert reasons <= set(PROFILES[channel].refusal_reasons)
    assert len(reasons) > 1  # drawn from the channel's vocabulary
    assert not any("Art. 6(1)" in json.dumps(a.answer) for a in answers)


async def test_answers_are_marked_simulated(
    stub: Stub, channel: Channel, make_envelope: Any
) -> None:
    answer = (await stub(FAST).send(make_envelope(channel))).answer
    assert answer["simulated"] is True


async def test_answer_times_are_timezone_aware(
    stub: Stub, channel: Channel, make_envelope: Any
) -> None:
    answer = (await stub(FAST).send(make_envelope(channel))).answer
    received = datetime.fromisoformat(answer["received_at"])
    answered = datetime.fromisoformat(answer["answered_at"])
    assert received.tzinfo is not None
    assert answered.tzinfo is not None
    assert received <= answered


def test_default_latency_is_realistic_but_short(stub: Stub) -> None:
    assert 0 < stub({}).settings.latency_ms <= 2_000  # a demo answers within seconds


async def test_latency_is_slept(
    stub: Stub, channel: Channel, make_envelope: Any, sleep: Any
) -> None:
    adapter = stub({"latency_ms": "250", "latency_jitter_ms": "0"}, sleep)
    await adapter.send(make_envelope(channel))
    assert sleep.delays == [0.25]


async def test_jitter_stays_in_its_band(
    stub: Stub, channel: Channel, make_envelope: Any, sleep: Any
) -> None:
    adapter = stub({"latency_ms": "100", "latency_jitter_ms": "40"}, sleep)
    for _ in range(30):
        await adapter.send(make_envelope(channel))
    assert all(0.06 <= delay <= 0.14 for delay in sleep.delays)
    assert len(set(sleep.delays)) > 1


async def test_zero_latency_never_sleeps(
    stub: Stub, channel: Channel, make_envelope: Any, sleep: Any
) -> None:
    adapter = stub({"latency_ms": "0", "latency_jitter_ms": "500"}, sleep)
    await adapter.send(make_envelope(channel))
    assert sleep.delays == []


async def test_latency_takes_real_time(stub: Stub, channel: Channel, make_envelope: Any) -> None:
    adapter = stub({"latency_ms": "40", "latency_jitter_ms": "0"})
    started = time.monotonic()
    await adapter.send(make_envelope(channel))
    assert time.monotonic() - started >= 0.03  # a lower bound only: never flaky


async def test_hook_retriable_fails_n_times_per_dispatch(
    stub: Stub, channel: Channel, make_envelope: Any
) -> None:
    adapter = stub(FAST)
    envelope = make_envelope(channel, reference="stub:retriable=2")
    for _ in range(2):
        with pytest.raises(RetriableChannelError):
            await adapter.send(envelope)
    await adapter.send(envelope)
    with pytest.raises(RetriableChannelError):  # another dispatch counts on its own
        await adapter.send(make_envelope(channel, reference="stub:retriable=2"))


async def test_hook_permanent_always_fails(
    stub: Stub, channel: Channel, make_envelope: Any
) -> None:
    adapter = stub(FAST)
    envelope = make_envelope(channel, reference="stub:permanent")
    for _ in range(3):
        with pytest.raises(PermanentChannelError):
            await adapter.send(envelope)


async def test_hook_slow_sleeps_instead_of_latency(
    stub: Stub, channel: Channel, make_envelope: Any, sleep: Any
) -> None:
    adapter = stub({"latency_ms": "100"}, sleep)
    await adapter.send(make_envelope(channel, reference="stub:slow=3000"))
    assert sleep.delays == [3.0]


async def test_unknown_hook_fails_loudly(stub: Stub, channel: Channel, make_envelope: Any) -> None:
    with pytest.raises(PermanentChannelError, match="stub:retryable=1"):
        await stub(FAST).send(make_envelope(channel, reference="stub:retryable=1"))


async def test_random_failures_are_reproducible(
    stub: Stub, channel: Channel, make_envelope: Any
) -> None:
    config = {**FAST, "failure_rate": "0.5", "seed": "7"}
    envelope = make_envelope(channel, dispatch_id=uuid4())
    runs = [await _failures(stub(config), envelope, attempts=20) for _ in range(2)]
    assert runs[0] == runs[1]
    assert True in runs[0]
    assert False in runs[0]


async def test_failure_rate_one_always_fails(
    stub: Stub, channel: Channel, make_envelope: Any
) -> None:
    failures = await _failures(
        stub({**FAST, "failure_rate": "1"}), make_envelope(channel), attempts=5
    )
    assert all(failures)


async def test_health_follows_the_healthy_setting(stub: Stub) -> None:
    assert await stub({}).health() is True
    assert await stub({"healthy": "false"}).health() is False


async def _failures(adapter: StubAdapter, envelope: DispatchEnvelope, attempts: int) -> list[bool]:
    failures = []
    for _ in range(attempts):
        try:
            await adapter.send(envelope)
        except RetriableChannelError:
            failures.append(True)
        else:
            failures.append(False)
    return failures


BIOMETRIC_PROFILES = {**PROFILES, Channel.PRUM: prum.PROFILE}


@pytest.mark.parametrize(
    ("dna_channel", "kind"),
    [
        (c, kind)
        for c, p in sorted(BIOMETRIC_PROFILES.items())
        for kind in (Kind.DNA, Kind.FINGERPRINT)
        if kind in p.kinds
    ],
    ids=str,
)
async def test_dna_and_fingerprints_are_hit_or_no_hit_only(
    dna_channel: Channel, kind: Kind, make_envelope: Any, subjects_of: Any
) -> None:
    """Prüm practice: DNA and fingerprint comparisons answer hit or no hit, never a refusal."""
    adapter = StubAdapter.from_config(
        BIOMETRIC_PROFILES[dna_channel], {**FAST, "hit_rate": "0.5", "refusal_rate": "0.5"}
    )
    envelopes = [make_envelope(dna_channel, kind, s) for s in subjects_of(kind, 60)]
    outcomes = {answer.outcome for answer in await _outcomes(adapter, envelopes)}
    assert outcomes == {Outcome.HIT, Outcome.NO_HIT}
