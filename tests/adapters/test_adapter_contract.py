"""The contract every installed adapter passes, whatever its channel (see docs/adapters.md)."""

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest

from oss_router.channel.contract import (
    AdapterAnswer,
    AdapterConfigError,
    AdapterFactory,
    ChannelAdapter,
    PermanentChannelError,
    RetriableChannelError,
)
from oss_router.channel.registry import discover
from oss_router.messages.codes import Channel, Kind, Outcome
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router_adapters.stub import StubAdapter

FACTORIES = discover()
FAST = {"latency_ms": "0"}

COMMON_KEYS = {"simulated", "received_at", "answered_at"}
ANSWER_KEYS = {
    Channel.SIRENE: {
        "responding_bureau",
        "form",
        "alert_article",
        "sis_alert_id",
        "action_to_take",
        "remarks",
    },
    Channel.EUROPOL: {
        "siena_reference",
        "handling_code",
        "evaluation_code",
        "responding_spoc",
        "remarks",
    },
    Channel.INTERPOL: {
        "responding_ncb",
        "message_reference",
        "database_searched",
        "notice_colour",
        "remarks",
    },
    Channel.LIAISON_OFFICER: {"post", "officer_summary"},
    Channel.PCCC: {"centre", "check_performed", "result", "remarks"},
}
# Keys that name the channel's message, hence differ between two dispatches of one lookup.
PER_DISPATCH_KEYS = {"siena_reference", "message_reference", "received_at", "answered_at"}

INVALID_CONFIGS = [
    ({"latency_ms": "-1"}, "latency_ms"),
    ({"latency_ms": "fast"}, "latency_ms"),
    ({"latency_jitter_ms": "-5"}, "latency_jitter_ms"),
    ({"failure_rate": "1.5"}, "failure_rate"),
    ({"hit_rate": "often"}, "hit_rate"),
    ({"refusal_rate": "-0.1"}, "refusal_rate"),
    ({"seed": "abc"}, "seed"),
    ({"healthy": "perhaps"}, "healthy"),
    ({"latency": "10"}, "latency"),
    ({"hit_rate": "0.8", "refusal_rate": "0.3"}, "hit_rate + refusal_rate"),
]


def _stable(answer: AdapterAnswer) -> tuple[Outcome, Any, dict[str, Any]]:
    body = {key: value for key, value in answer.answer.items() if key not in PER_DISPATCH_KEYS}
    return answer.outcome, answer.refusal_ground, body


async def _outcomes(
    adapter: ChannelAdapter, envelopes: list[DispatchEnvelope]
) -> list[AdapterAnswer]:
    return [await adapter.send(envelope) for envelope in envelopes]


@pytest.fixture(params=sorted(FACTORIES), ids=str)
def channel(request: pytest.FixtureRequest) -> Channel:
    return Channel(request.param)


@pytest.fixture
def factory(channel: Channel) -> AdapterFactory:
    return FACTORIES[channel]


@pytest.fixture
def kinds(factory: AdapterFactory) -> frozenset[Kind]:
    adapter = factory(FAST)
    assert isinstance(adapter, StubAdapter)
    return adapter.profile.kinds


def _with_sleep(adapter: ChannelAdapter, sleep: Callable[[float], Any]) -> StubAdapter:
    """The same stub, configured as the factory made it, with a recording sleep."""
    assert isinstance(adapter, StubAdapter)
    return StubAdapter(adapter.profile, adapter.settings, sleep=sleep)


class TestAdapterContract:
    def test_factory_makes_an_adapter_of_its_channel(
        self, factory: AdapterFactory, channel: Channel
    ) -> None:
        adapter = factory({})
        assert isinstance(adapter, ChannelAdapter)
        assert adapter.channel is channel

    async def test_same_envelope_same_answer(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, subjects_of: Any
    ) -> None:
        envelopes = [make_envelope(channel, subject=s) for s in subjects_of(Kind.PERSON, 30)]
        first = await _outcomes(factory(FAST), envelopes)
        again = await _outcomes(factory(FAST), envelopes)
        assert [_stable(a) for a in first] == [_stable(a) for a in again]

    async def test_outcome_depends_on_the_lookup_not_on_the_dispatch(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, subjects_of: Any
    ) -> None:
        adapter = factory(FAST)
        for subject in subjects_of(Kind.PERSON, 30):
            one = await adapter.send(make_envelope(channel, subject=subject))
            other = await adapter.send(make_envelope(channel, subject=subject))
            assert _stable(one) == _stable(other)

    async def test_subject_key_order_does_not_matter(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, subjects_of: Any
    ) -> None:
        adapter = factory(FAST)
        for subject in subjects_of(Kind.PERSON, 20):
            reordered = dict(reversed(subject.items()))
            one = await adapter.send(make_envelope(channel, subject=subject))
            other = await adapter.send(make_envelope(channel, subject=reordered))
            assert _stable(one) == _stable(other)

    async def test_every_outcome_reachable_with_default_rates(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, subjects_of: Any
    ) -> None:
        envelopes = [make_envelope(channel, subject=s) for s in subjects_of(Kind.PERSON, 200)]
        answers = await _outcomes(factory(FAST), envelopes)
        assert {answer.outcome for answer in answers} == set(Outcome)

    async def test_a_refusal_carries_its_ground(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, subjects_of: Any
    ) -> None:
        adapter = factory({**FAST, "hit_rate": "0", "refusal_rate": "1"})
        envelopes = [make_envelope(channel, subject=s) for s in subjects_of(Kind.PERSON, 80)]
        answers = await _outcomes(adapter, envelopes)
        assert {answer.outcome for answer in answers} == {Outcome.REFUSED}
        grounds = {answer.refusal_ground for answer in answers}
        assert None not in grounds
        assert len(grounds) > 1  # the ground is drawn, not fixed

    async def test_kinds_it_does_not_take(
        self, factory: AdapterFactory, channel: Channel, kinds: frozenset[Kind], make_envelope: Any
    ) -> None:
        for kind in set(Kind) - kinds:
            with pytest.raises(PermanentChannelError, match=str(kind)):
                await factory(FAST).send(make_envelope(channel, kind))

    async def test_a_dispatch_for_another_channel_is_rejected(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        other = next(c for c in Channel if c is not channel)
        with pytest.raises(PermanentChannelError):
            await factory(FAST).send(make_envelope(other))

    @pytest.mark.parametrize(
        "rates", [{"hit_rate": "1"}, {"hit_rate": "0", "refusal_rate": "1"}, {"hit_rate": "0"}]
    )
    async def test_answer_has_the_channel_shape(
        self,
        factory: AdapterFactory,
        channel: Channel,
        kinds: frozenset[Kind],
        make_envelope: Any,
        rates: dict[str, str],
    ) -> None:
        adapter = factory({**FAST, "refusal_rate": "0", **rates})
        for kind in kinds:
            answer = await adapter.send(make_envelope(channel, kind))
            assert set(answer.answer) == ANSWER_KEYS[channel] | COMMON_KEYS
            assert answer.answer["simulated"] is True
            json.dumps(answer.answer)  # travels as JSON on the broker and in the database

    async def test_answer_times_are_timezone_aware(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        answer = (await factory(FAST).send(make_envelope(channel))).answer
        received = datetime.fromisoformat(answer["received_at"])
        answered = datetime.fromisoformat(answer["answered_at"])
        assert received.tzinfo is not None
        assert answered.tzinfo is not None
        assert received <= answered

    async def test_answer_does_not_echo_the_subject(
        self, factory: AdapterFactory, channel: Channel, kinds: frozenset[Kind], make_envelope: Any
    ) -> None:
        adapter = factory({**FAST, "hit_rate": "1", "refusal_rate": "0"})
        for kind in kinds:
            envelope = make_envelope(channel, kind)
            text = json.dumps((await adapter.send(envelope)).answer)
            for value in _leaf_strings(envelope.subject):
                if len(value) > 3:  # short values (sex, "PL") are also the channel's own words
                    assert value not in text

    @pytest.mark.parametrize(("config", "key"), INVALID_CONFIGS)
    def test_invalid_config_names_the_key(
        self, factory: AdapterFactory, config: dict[str, str], key: str
    ) -> None:
        with pytest.raises(AdapterConfigError, match=key.replace("+", r"\+")):
            factory(config)

    def test_default_latency_is_realistic_but_short(self, factory: AdapterFactory) -> None:
        adapter = factory({})
        assert isinstance(adapter, StubAdapter)
        assert 0 < adapter.settings.latency_ms <= 2_000  # a demo answers within seconds

    async def test_latency_is_slept(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, sleep: Any
    ) -> None:
        adapter = _with_sleep(factory({"latency_ms": "250", "latency_jitter_ms": "0"}), sleep)
        await adapter.send(make_envelope(channel))
        assert sleep.delays == [0.25]

    async def test_jitter_stays_in_its_band(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, sleep: Any
    ) -> None:
        adapter = _with_sleep(factory({"latency_ms": "100", "latency_jitter_ms": "40"}), sleep)
        for _ in range(30):
            await adapter.send(make_envelope(channel))
        assert all(0.06 <= delay <= 0.14 for delay in sleep.delays)
        assert len(set(sleep.delays)) > 1

    async def test_zero_latency_never_sleeps(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, sleep: Any
    ) -> None:
        adapter = _with_sleep(factory({"latency_ms": "0", "latency_jitter_ms": "500"}), sleep)
        await adapter.send(make_envelope(channel))
        assert sleep.delays == []

    async def test_latency_takes_real_time(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        adapter = factory({"latency_ms": "40", "latency_jitter_ms": "0"})
        started = time.monotonic()
        await adapter.send(make_envelope(channel))
        assert time.monotonic() - started >= 0.03  # a lower bound only: never flaky

    async def test_hook_retriable_fails_n_times_per_dispatch(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        adapter = factory(FAST)
        envelope = make_envelope(channel, reference="stub:retriable=2")
        for _ in range(2):
            with pytest.raises(RetriableChannelError):
                await adapter.send(envelope)
        await adapter.send(envelope)
        with pytest.raises(RetriableChannelError):  # another dispatch counts on its own
            await adapter.send(make_envelope(channel, reference="stub:retriable=2"))

    async def test_hook_permanent_always_fails(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        adapter = factory(FAST)
        envelope = make_envelope(channel, reference="stub:permanent")
        for _ in range(3):
            with pytest.raises(PermanentChannelError):
                await adapter.send(envelope)

    async def test_hook_slow_sleeps_instead_of_latency(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any, sleep: Any
    ) -> None:
        adapter = _with_sleep(factory({"latency_ms": "100"}), sleep)
        await adapter.send(make_envelope(channel, reference="stub:slow=3000"))
        assert sleep.delays == [3.0]

    async def test_unknown_hook_fails_loudly(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        with pytest.raises(PermanentChannelError, match="stub:retryable=1"):
            await factory(FAST).send(make_envelope(channel, reference="stub:retryable=1"))

    async def test_random_failures_are_reproducible(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        config = {**FAST, "failure_rate": "0.5", "seed": "7"}
        envelope = make_envelope(channel, dispatch_id=uuid4())
        runs = [await _failures(factory(config), envelope, attempts=20) for _ in range(2)]
        assert runs[0] == runs[1]
        assert True in runs[0]
        assert False in runs[0]

    async def test_failure_rate_one_always_fails(
        self, factory: AdapterFactory, channel: Channel, make_envelope: Any
    ) -> None:
        failures = await _failures(
            factory({**FAST, "failure_rate": "1"}), make_envelope(channel), attempts=5
        )
        assert all(failures)

    async def test_health_and_close(self, factory: AdapterFactory) -> None:
        assert await factory({}).health() is True
        unhealthy = factory({"healthy": "false"})
        assert await unhealthy.health() is False
        await unhealthy.aclose()
        await unhealthy.aclose()  # closing twice is harmless


async def _failures(
    adapter: ChannelAdapter, envelope: DispatchEnvelope, attempts: int
) -> list[bool]:
    failures = []
    for _ in range(attempts):
        try:
            await adapter.send(envelope)
        except RetriableChannelError:
            failures.append(True)
        else:
            failures.append(False)
    return failures


def _leaf_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _leaf_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _leaf_strings(item)]
    return []


def _channels_taking(kind: Kind) -> list[Channel]:
    taking = []
    for name, factory in sorted(FACTORIES.items()):
        adapter = factory(FAST)
        assert isinstance(adapter, StubAdapter)
        if kind in adapter.profile.kinds:
            taking.append(Channel(name))
    return taking


@pytest.mark.parametrize("dna_channel", _channels_taking(Kind.DNA), ids=str)
async def test_dna_is_hit_or_no_hit_only(
    dna_channel: Channel, make_envelope: Any, subjects_of: Any
) -> None:
    """Prüm practice: DNA lookups answer hit or no-hit, never a refusal."""
    adapter = FACTORIES[dna_channel]({**FAST, "hit_rate": "0.5", "refusal_rate": "0.5"})
    envelopes = [make_envelope(dna_channel, Kind.DNA, s) for s in subjects_of(Kind.DNA, 60)]
    outcomes = {answer.outcome for answer in await _outcomes(adapter, envelopes)}
    assert outcomes == {Outcome.HIT, Outcome.NO_HIT}
