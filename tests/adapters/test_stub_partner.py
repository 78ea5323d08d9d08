"""The partner each stub plays: realistic senders per channel, a side that outlives the worker
(``partner_dir``), a rate of its own, and answers to our clarification requests."""

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from oss_router.channel.contract import PartnerSimulator, ReceivingAdapter
from oss_router.channel.registry import load_adapters
from oss_router.channel.testing import AdapterContract
from oss_router.country.loader import load_reference_data
from oss_router.messages.codes import RECEIVING_CHANNELS, Channel, ReplyType
from oss_router.messages.inbound import PartnerMessage
from oss_router.messages.simulation import SimulationOrder
from oss_router.registrar.service import registration_of
from oss_router_adapters.stub import StubAdapter
from oss_router_adapters.stub.partner import REPLIES, SENT, _Spool

REFERENCE = load_reference_data()
EU_SCHENGEN = REFERENCE.eu_member_states | REFERENCE.schengen_associated


def stub(channel: Channel, **config: str) -> StubAdapter:
    prefix = f"OSS_ROUTER_ADAPTER_{channel.name}_"
    environ = {prefix + key.upper(): value for key, value in config.items()}
    adapter = load_adapters([channel], {prefix + "LATENCY_MS": "0", **environ})[channel]
    assert isinstance(adapter, StubAdapter)
    return adapter


def order(channel: Channel, count: int, *, urgent: bool = False) -> SimulationOrder:
    return SimulationOrder(
        message_id=uuid4(), channel=channel, count=count, urgent=urgent,
        requested_at=datetime.now(UTC),
    )  # fmt: skip


async def sent(channel: Channel, count: int = 200, **config: str) -> list[PartnerMessage]:
    adapter = stub(channel, **config)
    await adapter.simulate(order(channel, count))
    return list(await adapter.receive(count, wait_seconds=0))


ALLOWED: dict[Channel, Callable[[PartnerMessage], bool]] = {
    Channel.EUROPOL: lambda m: m.requesting_country in EU_SCHENGEN | REFERENCE.europol_partners,
    Channel.SIRENE: lambda m: (
        m.requesting_country in REFERENCE.sis_connections
        and m.sis_alert_id is not None
        and m.sis_alert_id.startswith(m.requesting_country)
    ),
    Channel.INTERPOL: lambda m: m.requesting_country in REFERENCE.interpol_members,
    Channel.LIAISON_OFFICER: lambda m: m.requesting_country in REFERENCE.liaison_officer_posts,
    Channel.PCCC: lambda m: (
        m.requesting_country in REFERENCE.pccc_partners
        and m.unit is not None
        and m.unit.startswith("PCCC ")
    ),
}


@pytest.mark.parametrize("channel", RECEIVING_CHANNELS)
async def test_requests_come_from_countries_valid_for_the_channel(channel: Channel) -> None:
    messages = await sent(channel)
    assert all(ALLOWED[channel](message) for message in messages)
    assert all(
        message.requesting_country != REFERENCE.bilateral_home_country for message in messages
    )
    assert len({message.requesting_country for message in messages}) >= 3
    urgent = [message for message in messages if message.urgency == "urgent"]
    assert 0 < len(urgent) < len(messages)  # a mix, unless told otherwise
    assert all(message.urgency_ground is not None for message in urgent)


@pytest.mark.parametrize("channel", RECEIVING_CHANNELS)
async def test_every_request_can_be_registered_as_the_api_would_take_it(channel: Channel) -> None:
    for message in await sent(channel, 300):
        registration = registration_of(message)  # ValidationError otherwise
        assert registration.partner_reference == message.partner_reference


async def test_interpol_writes_in_its_working_languages_and_pccc_in_the_neighbours() -> None:
    assert {m.language for m in await sent(Channel.INTERPOL)} == {"ar", "en", "es", "fr"}
    pccc = await sent(Channel.PCCC)
    assert {m.language for m in pccc} <= {"cs", "de", "sk", "pl"}
    assert all(
        m.language in {"pl", {"CZ": "cs", "DE": "de", "SK": "sk"}[m.requesting_country]}
        for m in pccc
    )
    assert {m.handling_code for m in await sent(Channel.EUROPOL)} == {"H0", "H1", "H2", "H3"}


async def test_the_same_seed_and_order_make_the_same_requests_another_seed_others() -> None:
    same = order(Channel.SIRENE, 5)
    first, second, other = (
        stub(Channel.SIRENE),
        stub(Channel.SIRENE),
        stub(Channel.SIRENE, seed="7"),
    )
    for adapter in (first, second, other):
        await adapter.simulate(same)
    a, b, c = [await x.receive(5, wait_seconds=0) for x in (first, second, other)]

    def drawn(messages: list[PartnerMessage]) -> list[dict[str, object]]:
        return [m.model_dump(exclude={"received_at"}) for m in messages]

    assert drawn(a) == drawn(b)
    assert [m.partner_reference for m in a] != [m.partner_reference for m in c]


async def test_urgent_orders_make_urgent_requests() -> None:
    adapter = stub(Channel.EUROPOL)
    await adapter.simulate(order(Channel.EUROPOL, 20, urgent=True))
    assert {m.urgency for m in await adapter.receive(20, wait_seconds=0)} == {"urgent"}


async def test_the_partners_side_outlives_the_worker(tmp_path: Path) -> None:
    """A worker killed before acknowledging leaves the messages to its successor; a reply seen
    before the restart is recognised after it."""
    doomed = stub(Channel.PCCC, partner_dir=str(tmp_path))
    await doomed.simulate(order(Channel.PCCC, 4))
    handed = await doomed.receive(4, wait_seconds=0)
    await doomed.acknowledge([handed[0].message_id])
    reply = AdapterContract.reply_envelope(_Pccc(), ReplyType.ANSWER)
    receipt = await doomed.reply(reply)

    successor = stub(Channel.PCCC, partner_dir=str(tmp_path))
    offered = await successor.receive(10, wait_seconds=0)
    assert [m.message_id for m in offered] == [m.message_id for m in handed[1:]]
    assert await successor.reply(reply) == receipt
    lines = [json.loads(line) for line in (tmp_path / "replies.jsonl").read_text().splitlines()]
    assert [line["first"] for line in lines] == [True, False]


async def test_it_sends_at_its_own_rate_without_a_busy_loop() -> None:
    adapter = stub(Channel.INTERPOL, inbound_per_minute="600")  # one every 0.1 s
    received: list[PartnerMessage] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 0.55
    while loop.time() < deadline:
        received += await adapter.receive(10, wait_seconds=deadline - loop.time())
    assert 4 <= len(received) <= 6
    assert stub(Channel.INTERPOL).settings.inbound_per_minute == 0  # default: only on order


async def test_it_sometimes_answers_a_clarification_request() -> None:
    adapter = stub(Channel.EUROPOL, clarification_answer_rate="0.5")
    envelopes = [
        AdapterContract.reply_envelope(_Europol(), ReplyType.CLARIFICATION_REQUEST)
        for _ in range(40)
    ]
    for envelope in envelopes:
        await adapter.reply(envelope)
        await adapter.reply(envelope)  # delivered again: answered at most once
    answers = await adapter.receive(100, wait_seconds=0)
    assert 8 <= len(answers) <= 32
    assert all(a.type == "clarification" and a.text for a in answers)
    by_reference = {e.partner_reference for e in envelopes}
    assert {a.in_reply_to for a in answers} <= by_reference
    assert len({a.in_reply_to for a in answers}) == len(answers)
    never = stub(Channel.EUROPOL, clarification_answer_rate="0")
    await never.reply(envelopes[0])
    assert await never.receive(10, wait_seconds=0) == []


@contextlib.contextmanager
def killed_while_writing(monkeypatch: pytest.MonkeyPatch, file: str) -> Iterator[None]:
    """The worker killed (``SystemExit``) as its stub partner writes ``file`` of its side."""
    original = _Spool.append

    def killed(spool: _Spool, name: str, lines: list[dict[str, object]]) -> None:
        if name == file:
            raise SystemExit("kill -9")
        original(spool, name, lines)

    monkeypatch.setattr(_Spool, "append", killed)
    try:
        yield
    finally:
        monkeypatch.setattr(_Spool, "append", original)


@pytest.mark.parametrize("killed_at", [SENT, REPLIES])
async def test_a_worker_killed_as_it_takes_a_clarification_request_in_loses_no_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killed_at: str
) -> None:
    """As for a question in a conversation: the answer is on the partner's side before the
    request counts as received, so a kill between the two loses nothing."""
    doomed = stub(Channel.EUROPOL, partner_dir=str(tmp_path), clarification_answer_rate="1")
    envelope = AdapterContract.reply_envelope(_Europol(), ReplyType.CLARIFICATION_REQUEST)
    with killed_while_writing(monkeypatch, killed_at), pytest.raises(SystemExit):
        await doomed.reply(envelope)

    successor = stub(Channel.EUROPOL, partner_dir=str(tmp_path), clarification_answer_rate="1")
    await successor.reply(envelope)
    answers = await successor.receive(10, wait_seconds=0)
    assert [a.in_reply_to for a in answers] == [envelope.partner_reference]


class _Pccc(AdapterContract):
    channel = Channel.PCCC


class _Europol(AdapterContract):
    channel = Channel.EUROPOL


async def test_prum_carries_no_requests_to_the_bureau() -> None:
    """Another state's Prüm search is answered by our databases themselves: the Prüm stub is a
    sending-only adapter (contract version 1), so no worker polls it for requests and an order
    to simulate one finds no partner to play."""
    prefix = "OSS_ROUTER_ADAPTER_PRUM_"
    prum = load_adapters([Channel.PRUM], {prefix + "LATENCY_MS": "0"})[Channel.PRUM]
    assert not isinstance(prum, ReceivingAdapter)
    assert not isinstance(prum, PartnerSimulator)
