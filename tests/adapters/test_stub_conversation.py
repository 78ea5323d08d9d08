"""The stub partners in a conversation (stub/conversation.py, issue 15): messages of ours taken
once, questions answered and reminders acknowledged at their rate and after their delay, the
same seed giving the same answers, information sent of their own accord with a small valid
photograph now and then, and the partner's side outliving the worker."""

import asyncio
import json
import random
from pathlib import Path

import pytest
from tests.adapters.test_stub_partner import killed_while_writing, stub

from oss_router.attachments.detection import detect
from oss_router.channel.contract import (
    ConversingAdapter,
    PermanentChannelError,
    RetriableChannelError,
)
from oss_router.channel.registry import load_adapters
from oss_router.channel.testing import AdapterContract
from oss_router.messages.codes import RECEIVING_CHANNELS, Channel, MessageType
from oss_router.messages.conversation import MessageEnvelope
from oss_router.messages.inbound import PartnerMessage
from oss_router_adapters.stub.conversation import tiny_png
from oss_router_adapters.stub.partner import MESSAGES, SENT


class _Europol(AdapterContract):
    channel = Channel.EUROPOL


EUROPOL = _Europol()


def question(type: MessageType = MessageType.FOLLOW_UP, **update: object) -> MessageEnvelope:
    envelope = AdapterContract.message_envelope(EUROPOL, type)
    return envelope.model_copy(update=update) if update else envelope


async def drain(adapter: ConversingAdapter, wait: float = 0.0) -> list[PartnerMessage]:
    return list(await adapter.receive(1000, wait_seconds=wait))


async def test_questions_are_answered_at_the_configured_rate_once_each() -> None:
    adapter = stub(Channel.EUROPOL, message_answer_rate="0.5")
    envelopes = [question() for _ in range(60)]
    for envelope in envelopes:
        await adapter.send_message(envelope)
        await adapter.send_message(envelope)  # delivered again: answered at most once
    answers = await drain(adapter)
    assert 15 <= len(answers) <= 45
    asked = {envelope.exchange_message_id for envelope in envelopes}
    assert {answer.answers_id for answer in answers} <= asked
    assert len({answer.answers_id for answer in answers}) == len(answers)
    assert adapter.partner is not None
    assert adapter.partner.duplicate_messages == 60
    never = stub(Channel.EUROPOL, message_answer_rate="0")
    await never.send_message(envelopes[0])
    assert await drain(never) == []


async def test_by_default_most_questions_are_answered() -> None:
    adapter = stub(Channel.SIRENE)
    assert adapter.settings.message_answer_rate == 0.8
    envelopes = [question(channel=Channel.SIRENE) for _ in range(50)]
    for envelope in envelopes:
        await adapter.send_message(envelope)
    assert 30 <= len(await drain(adapter)) <= 48


async def test_information_and_answers_of_ours_ask_nothing_back() -> None:
    adapter = stub(Channel.EUROPOL, message_answer_rate="1")
    for type in (
        MessageType.ADDITIONAL_INFORMATION,
        MessageType.ACKNOWLEDGEMENT,
        MessageType.ANSWER,
    ):
        await adapter.send_message(question(type))
    await adapter.send_message(
        AdapterContract.message_envelope(EUROPOL, MessageType.SPONTANEOUS, thread="none")
    )
    assert await drain(adapter) == []


async def test_an_answer_comes_after_the_configured_delay() -> None:
    adapter = stub(Channel.EUROPOL, message_answer_rate="1", message_answer_delay_ms="300")
    envelope = question(MessageType.REMINDER)
    await adapter.send_message(envelope)
    assert await drain(adapter) == []  # not yet
    [ack] = await drain(adapter, wait=2.0)
    assert (ack.message_type, ack.answers_id) == (
        MessageType.ACKNOWLEDGEMENT,
        envelope.exchange_message_id,
    )


async def test_the_same_seed_gives_the_same_answers_another_seed_others() -> None:
    envelopes = [question() for _ in range(20)]

    async def answers(**config: str) -> list[dict[str, object]]:
        adapter = stub(Channel.EUROPOL, **config)
        for envelope in envelopes:
            await adapter.send_message(envelope)
        got = await drain(adapter)
        return [m.model_dump(exclude={"received_at"}) for m in got]

    first, second = await answers(), await answers()
    assert first == second
    assert first != await answers(seed="7")


async def test_some_answers_carry_a_small_valid_photograph() -> None:
    adapter = stub(Channel.EUROPOL, message_answer_rate="1", message_attachment_rate="0.5")
    for _ in range(30):
        await adapter.send_message(question())
    answers = await drain(adapter)
    with_photo = [answer for answer in answers if answer.attachments]
    assert 5 <= len(with_photo) <= 25
    for answer in with_photo:
        [photo] = answer.attachments
        assert detect(photo.content) == "image/png"  # what store_received checks
        assert photo.size == len(photo.content) < 1024


def test_the_tiny_png_is_a_png_whatever_the_draw() -> None:
    for seed in range(20):
        content = tiny_png(random.Random(seed))
        assert detect(content) == "image/png"


@pytest.mark.parametrize("channel", RECEIVING_CHANNELS)
async def test_each_partner_sends_information_of_its_own_accord_when_told(
    channel: Channel,
) -> None:
    adapter = stub(channel, spontaneous_per_minute="1200")  # one every 50 ms
    received: list[PartnerMessage] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 0.33
    while loop.time() < deadline:
        received += await adapter.receive(10, wait_seconds=deadline - loop.time())
    assert 4 <= len(received) <= 8
    assert {m.message_type for m in received} == {MessageType.SPONTANEOUS}  # nothing answered
    assert all(m.legal_basis and m.channel == channel for m in received)
    assert stub(channel).settings.spontaneous_per_minute == 0  # default: none


async def test_it_sends_additional_information_about_a_dispatch_it_answered() -> None:
    adapter = stub(Channel.EUROPOL, spontaneous_per_minute="6000")
    dispatch = AdapterContract.envelope(EUROPOL)
    await adapter.send(dispatch)
    received: list[PartnerMessage] = []
    for _ in range(20):
        received += await adapter.receive(10, wait_seconds=0.05)
    about = [m for m in received if m.message_type is MessageType.ADDITIONAL_INFORMATION]
    assert about, "about half of what it sends is about the dispatch it answered"
    assert {m.our_reference for m in about} == {str(dispatch.dispatch_id)}
    assert {m.requesting_country for m in about} == {dispatch.country}


async def test_delivery_follows_the_latency_and_outage_model() -> None:
    flaky = stub(Channel.EUROPOL, failure_rate="1")
    with pytest.raises(RetriableChannelError):
        await flaky.send_message(question())
    hooked = stub(Channel.EUROPOL)
    envelope = question(text="stub:retriable=2")
    for _ in range(2):
        with pytest.raises(RetriableChannelError):
            await hooked.send_message(envelope)
    assert (await hooked.send_message(envelope)).partner_message_reference
    with pytest.raises(PermanentChannelError):
        await hooked.send_message(question(text="stub:permanent"))
    # A text that merely begins like a hook is a message.
    assert await hooked.send_message(question(text="stub: see the attached photograph"))


async def test_the_partners_side_of_a_conversation_outlives_the_worker(tmp_path: Path) -> None:
    doomed = stub(Channel.PCCC, partner_dir=str(tmp_path), message_answer_rate="1")
    envelope = question(channel=Channel.PCCC)
    receipt = await doomed.send_message(envelope)
    [answer] = await drain(doomed)  # handed out, never acknowledged: the worker dies

    successor = stub(Channel.PCCC, partner_dir=str(tmp_path), message_answer_rate="1")
    assert await successor.send_message(envelope) == receipt  # recognised after the restart
    [offered] = await drain(successor)
    assert offered.message_id == answer.message_id  # offered again, not answered twice
    lines = [json.loads(line) for line in (tmp_path / "messages.jsonl").read_text().splitlines()]
    assert [line["first"] for line in lines] == [True, False]


@pytest.mark.parametrize("killed_at", [SENT, MESSAGES])
async def test_a_worker_killed_as_it_takes_a_question_in_loses_no_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killed_at: str
) -> None:
    """Killed while the partner writes its answer, or the take-in of our question: the
    question comes again, and its one answer is offered once."""
    doomed = stub(Channel.PCCC, partner_dir=str(tmp_path), message_answer_rate="1")
    envelope = question(channel=Channel.PCCC)
    with killed_while_writing(monkeypatch, killed_at), pytest.raises(SystemExit):
        await doomed.send_message(envelope)

    successor = stub(Channel.PCCC, partner_dir=str(tmp_path), message_answer_rate="1")
    await successor.send_message(envelope)
    offered = await drain(successor)
    assert [m.answers_id for m in offered] == [envelope.exchange_message_id]
    lines = [json.loads(line) for line in (tmp_path / MESSAGES).read_text().splitlines()]
    assert [line["first"] for line in lines] == [True]


def test_prum_carries_no_conversation() -> None:
    prefix = "OSS_ROUTER_ADAPTER_PRUM_"
    prum = load_adapters([Channel.PRUM], {prefix + "LATENCY_MS": "0"})[Channel.PRUM]
    assert not isinstance(prum, ConversingAdapter)
