"""The shared stub machinery: the documented seeded rule, settings, hooks, attempt counting."""

import hashlib
import json
from typing import Any
from uuid import uuid4

import pytest

from oss_router.channel.contract import AdapterConfigError, PermanentChannelError
from oss_router.messages.codes import Channel, Kind, Outcome, RefusalGround
from oss_router_adapters.stub.attempts import AttemptCounter
from oss_router_adapters.stub.hooks import NO_HOOK, Hook, parse_hook
from oss_router_adapters.stub.outcome import Draw, decide, draw_for
from oss_router_adapters.stub.settings import StubSettings, parse_settings


def _documented_draw(seed: int, channel: str, country: str, kind: str, subject: Any) -> float:
    """The rule exactly as docs/adapters.md states it, computed independently of the code."""
    subject_json = json.dumps(subject, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(f"{seed}|{channel}|{country}|{kind}|{subject_json}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


def test_draw_follows_the_documented_formula(make_envelope: Any) -> None:
    subject = {"family_name": "Wiśniewska", "given_names": ["Zofia"]}
    envelope = make_envelope(Channel.EUROPOL, Kind.PERSON, subject, country="FR")
    expected = _documented_draw(3, "europol", "FR", "person", subject)
    assert draw_for(3, envelope).value == expected


def test_outcome_bands_cut_at_the_rates(make_envelope: Any) -> None:
    draw = draw_for(0, make_envelope(Channel.SIRENE))
    just_above, at = draw.value + 1e-9, draw.value
    assert decide(draw, Kind.PERSON, just_above, 0.0)[0] is Outcome.HIT
    assert decide(draw, Kind.PERSON, at, 0.0)[0] is Outcome.NO_HIT
    assert decide(draw, Kind.PERSON, at, 1e-9)[0] is Outcome.REFUSED
    assert decide(draw, Kind.DNA, at, 1e-9)[0] is Outcome.NO_HIT


def test_refusal_ground_comes_from_the_digest(make_envelope: Any) -> None:
    draw = draw_for(0, make_envelope(Channel.PCCC))
    outcome, ground = decide(draw, Kind.PERSON, 0.0, 1.0)
    assert outcome is Outcome.REFUSED
    assert ground is draw.pick("refusal_ground", tuple(RefusalGround))


def test_draw_never_reaches_one() -> None:
    assert Draw(b"\xff" * 32).value < 1.0
    assert Draw(b"\x00" * 32).value == 0.0


def test_seed_changes_the_outcomes(make_envelope: Any, subjects_of: Any) -> None:
    envelopes = [make_envelope(Channel.SIRENE, subject=s) for s in subjects_of(Kind.PERSON, 20)]
    assert [draw_for(0, e).value for e in envelopes] != [draw_for(1, e).value for e in envelopes]


def test_settings_defaults() -> None:
    settings = parse_settings(Channel.PCCC, {"latency_ms": 200, "latency_jitter_ms": 50}, {})
    assert settings == StubSettings(
        latency_ms=200,
        latency_jitter_ms=50,
        failure_rate=0.0,
        hit_rate=0.3,
        refusal_rate=0.1,
        seed=0,
        healthy=True,
    )


def test_settings_errors_are_reported_together() -> None:
    with pytest.raises(AdapterConfigError) as caught:
        parse_settings(Channel.PCCC, {}, {"latency_ms": "x", "seed": "y", "latency_jitter_ms": "1"})
    message = str(caught.value)
    assert "pccc" in message
    assert "latency_ms='x'" in message
    assert "seed='y'" in message


@pytest.mark.parametrize(
    ("reference", "hook"),
    [
        (None, NO_HOOK),
        ("PL/KGP/2026/123", NO_HOOK),
        ("stub:permanent", Hook(permanent=True)),
        ("stub:retriable=3", Hook(retriable=3)),
        ("stub:slow=1500", Hook(slow_ms=1500)),
    ],
)
def test_parse_hook(reference: str | None, hook: Hook) -> None:
    assert parse_hook(reference) == hook


@pytest.mark.parametrize("reference", ["stub:", "stub:slow=", "stub:retriable=-1", "stub:slow=1 "])
def test_malformed_hook_is_permanent(reference: str) -> None:
    with pytest.raises(PermanentChannelError):
        parse_hook(reference)


def test_attempts_count_per_dispatch() -> None:
    counter = AttemptCounter()
    one, two = uuid4(), uuid4()
    assert [counter.next(one), counter.next(one), counter.next(two), counter.next(one)] == [
        1,
        2,
        1,
        3,
    ]


def test_attempt_counter_forgets_the_least_recent() -> None:
    counter = AttemptCounter(capacity=2)
    old, kept, new = uuid4(), uuid4(), uuid4()
    counter.next(old)
    counter.next(kept)
    counter.next(kept)
    counter.next(new)  # evicts ``old``, the least recently seen
    assert counter.next(kept) == 3
    assert counter.next(old) == 1
