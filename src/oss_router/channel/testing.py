"""The adapter contract as tests: subclass ``AdapterContract`` to check any channel adapter.

Shipped in the package (as FastStream ships its test broker) so that a real adapter, in its own
repository, is held to exactly what the worker runtime relies on, and the stubs pass the same
class. Written for pytest (with pytest-asyncio in ``auto`` mode); only tests import this module.

    from oss_router.channel.testing import AdapterContract

    class TestMyEuropolAdapter(AdapterContract):
        channel = Channel.EUROPOL
        kinds = frozenset(Kind)
        answer_keys = frozenset({"siena_reference", "handling_code", ...})

        def create_adapter(self, config: Mapping[str, str]) -> ChannelAdapter:
            return my_package.create_adapter(config)

The base class is named without the ``Test`` prefix, so pytest collects only the subclasses.

An adapter of contract version 2 (``ReceivingAdapter``) is also held to the receiving side:
what it receives is of its channel and can be registered, an acknowledged message is not
offered again and an unacknowledged one is (after ``reoffer_seconds``), a long poll returns in
time, and a reply delivered twice is acknowledged once with the same receipt. To make its
partner send, the contract calls ``partner_sends``: by default a ``PartnerSimulator``'s
``simulate``; a real adapter overrides it (a recorded message on a test server, say).
An adapter of contract version 3 (``ConversingAdapter``) is also held to conversations: a
message of ours (each type, attachments included) delivered twice is acknowledged once with one
receipt, one for another channel is refused for good, and — under ``conversation_config``, in
which its partner answers — a question of ours (follow-up, clarification) comes back through
``receive`` as an ``answer`` on its thread, a reminder as an ``acknowledgement``; under
``own_accord_config`` what the partner sends of its own accord (spontaneous or additional
information) is a registrable message. A real adapter whose partner cannot be made to answer
sets ``answers_questions = False`` (and ``own_accord_config = None``).
The contract knows nothing of how an adapter answers (seeded, remote, recorded): what an
adapter needs to answer quickly and offline in tests goes into ``config``, and the
configurations under which the answer's shape is checked (one per outcome, say) into
``answer_configs``.
"""

import asyncio
import base64
import contextlib
import hashlib
import inspect
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID, uuid4

import pytest

from oss_router.channel.contract import (
    AdapterAnswer,
    AdapterConfigError,
    ChannelAdapter,
    ConversingAdapter,
    PartnerSimulator,
    PermanentChannelError,
    ReceivingAdapter,
    ReplyReceipt,
)
from oss_router.messages.codes import (
    Channel,
    HandlingCode,
    Kind,
    MessageType,
    ReplyType,
    Urgency,
)
from oss_router.messages.conversation import MessageEnvelope, WireAttachment
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.messages.inbound import PartnerMessage, ReplyEnvelope, partner_message_id
from oss_router.messages.simulation import SimulationOrder

# One valid subject of each kind, as the gateway validates them (messages/dispatch.py).
SAMPLE_SUBJECTS: Mapping[Kind, Mapping[str, Any]] = {
    Kind.PERSON: {"family_name": "Nowak", "given_names": ["Anna"], "date_of_birth": "1980-02-03"},
    Kind.VEHICLE: {"vin": "WVWZZZ1JZXW000001", "make": "Volkswagen"},
    Kind.DOCUMENT: {
        "document_type": "passport",
        "document_number": "EA1234567",
        "issuing_country": "PL",
    },
    Kind.DNA: {
        "profile_reference": "PL-DNA-000001",
        "sample_type": "crime_scene",
        "loci": {"D3S1358": ["15", "17"], "TH01": ["9.3"], "FGA": ["21"], "VWA": ["16", "18"]},
    },
    Kind.FINGERPRINT: {
        "afis_reference": "PL-AFIS-2026-000123",
        "print_type": "latent",
        "finger_positions": [2, 3],
    },
}
# A tiny valid PNG (1x1 pixel): what a message of ours carries in the contract's checks.
SAMPLE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
# Values of a subject this short are also a channel's own words ("PL", a sex code).
_ECHO_MIN_LENGTH = 4


class AdapterContract:
    """What every channel adapter must do, as pytest tests; see the module docstring."""

    channel: ClassVar[Channel]
    """The channel the adapter serves."""
    kinds: ClassVar[frozenset[Kind]]
    """The kinds of lookup the channel takes; any other kind must be refused permanently."""
    answer_keys: ClassVar[frozenset[str]]
    """The keys of every answer, no more and no fewer (the web client renders them)."""
    config: ClassVar[Mapping[str, str]] = {}
    """The configuration of the adapters the contract makes (fast, offline)."""
    answer_configs: ClassVar[Sequence[Mapping[str, str]]] = ({},)
    """Configurations (merged over ``config``) under which every kind is asked and its answer
    checked: one per outcome makes the contract check the shape of each."""
    invalid_configs: ClassVar[Sequence[tuple[Mapping[str, str], str]]] = ()
    """Configurations the factory must reject, each with the key its error must name."""
    receiving: ClassVar[bool] = False
    """Whether the adapter implements contract version 2 (receive, acknowledge, reply)."""
    receive_config: ClassVar[Mapping[str, str]] = {}
    """Configuration (merged over ``config``) of the receiving checks."""
    reoffer_seconds: ClassVar[float] = 1.0
    """How long after a ``receive`` an unacknowledged message is offered again, at most."""
    conversing: ClassVar[bool] = False
    """Whether the adapter implements contract version 3 (``send_message``)."""
    answers_questions: ClassVar[bool] = True
    """Whether its partner, under ``conversation_config``, answers every question of ours and
    acknowledges every reminder (through ``receive``)."""
    conversation_config: ClassVar[Mapping[str, str]] = {}
    """Configuration (merged over ``config`` and ``receive_config``) of the conversation
    checks."""
    own_accord_config: ClassVar[Mapping[str, str] | None] = None
    """Configuration under which the partner sends messages of its own accord within a few
    seconds (None: the check is skipped)."""

    async def partner_sends(self, adapter: ChannelAdapter, count: int) -> None:
        """Make the adapter's partner send ``count`` requests (a stub: ``simulate``)."""
        if not isinstance(adapter, PartnerSimulator):
            pytest.skip("override partner_sends to make this channel's partner send")
        order = SimulationOrder(
            message_id=uuid4(), channel=self.channel, count=count, requested_at=datetime.now(UTC)
        )
        await adapter.simulate(order)

    def reply_envelope(self, reply_type: ReplyType = ReplyType.ANSWER) -> ReplyEnvelope:
        """A reply as the outbox publishes it, to this adapter's channel."""
        return ReplyEnvelope(
            message_id=uuid4(),
            reply_id=uuid4(),
            inbound_id=uuid4(),
            correlation_id=f"contract-{uuid4().hex[:8]}",
            channel=self.channel,
            country="DE",
            partner_reference=f"CONTRACT-{uuid4().hex[:12]}",
            reply_type=reply_type,
            body={"outcome": "no_hit", "information": "No record found."},
            handling_code=HandlingCode.H1,
            created_at=datetime.now(UTC),
        )

    def message_envelope(
        self,
        type: MessageType = MessageType.FOLLOW_UP,
        *,
        thread: str = "dispatch",
        attachments: Sequence[WireAttachment] = (),
    ) -> MessageEnvelope:
        """A message of ours as the outbox publishes it, on a dispatch thread, a received
        request's (``thread="inbound"``) or none (``"none"``: spontaneous information)."""
        dispatch_id = uuid4() if thread == "dispatch" else None
        return MessageEnvelope(
            message_id=uuid4(),
            exchange_message_id=uuid4(),
            correlation_id=f"contract-{uuid4().hex[:8]}",
            channel=self.channel,
            country="DE",
            type=type,
            dispatch_id=dispatch_id,
            inbound_id=uuid4() if thread == "inbound" else None,
            our_reference=str(dispatch_id) if dispatch_id is not None else None,
            partner_reference=f"CONTRACT-{uuid4().hex[:12]}" if thread == "inbound" else None,
            legal_basis="Directive (EU) 2023/977 Art. 7(1)" if thread == "none" else None,
            handling_code=HandlingCode.H1,
            text="Could you send the photograph of the vehicle's holder?",
            attachments=list(attachments),
            created_at=datetime.now(UTC),
        )

    @contextlib.asynccontextmanager
    async def conversing_adapter(
        self, overrides: Mapping[str, str] | None = None
    ) -> AsyncIterator[ConversingAdapter]:
        config = {**self.config, **self.receive_config, **self.conversation_config}
        adapter = self.create_adapter({**config, **(overrides or {})})
        try:
            assert isinstance(adapter, ConversingAdapter), f"{adapter!r} lacks send_message"
            yield adapter
        finally:
            await adapter.aclose()

    @contextlib.asynccontextmanager
    async def receiving_adapter(self) -> AsyncIterator[ReceivingAdapter]:
        adapter = self.create_adapter({**self.config, **self.receive_config})
        try:
            assert isinstance(adapter, ReceivingAdapter), f"{adapter!r} lacks receive/reply"
            yield adapter
        finally:
            await adapter.aclose()

    def create_adapter(self, config: Mapping[str, str]) -> ChannelAdapter:
        """The factory under test (what the adapter's entry point resolves to)."""
        raise NotImplementedError(f"{type(self).__name__} must implement create_adapter")

    def envelope(
        self,
        kind: Kind = Kind.PERSON,
        *,
        channel: Channel | None = None,
        subject: Mapping[str, Any] | None = None,
        reference: str | None = None,
    ) -> DispatchEnvelope:
        """A dispatch as the relay publishes it, to this adapter's channel unless told."""
        created_at = datetime.now(UTC)
        return DispatchEnvelope(
            message_id=uuid4(),
            request_id=uuid4(),
            dispatch_id=uuid4(),
            correlation_id=f"contract-{uuid4().hex[:8]}",
            channel=channel or self.channel,
            country="DE",
            kind=kind,
            subject=dict(SAMPLE_SUBJECTS[kind] if subject is None else subject),
            purpose="Suspected vehicle theft ring, case 123/2026",
            urgency=Urgency.NORMAL,
            handling_code=HandlingCode.H1,
            crime_area="motor_vehicle_crime",
            reference=reference,
            due_at=created_at + timedelta(days=7),
            created_at=created_at,
        )

    @pytest.fixture
    async def adapter(self) -> AsyncIterator[ChannelAdapter]:
        adapter = self.create_adapter(self.config)
        try:
            yield adapter
        finally:
            await adapter.aclose()

    async def answers(self, overrides: Mapping[str, str]) -> list[tuple[Kind, AdapterAnswer]]:
        """One answer per kind the channel takes, from an adapter configured with overrides."""
        adapter = self.create_adapter({**self.config, **overrides})
        try:
            return [(kind, await adapter.send(self.envelope(kind))) for kind in sorted(self.kinds)]
        finally:
            await adapter.aclose()

    def test_the_factory_makes_an_adapter_of_its_channel(self, adapter: ChannelAdapter) -> None:
        assert isinstance(adapter, ChannelAdapter), f"{adapter!r} lacks ChannelAdapter's members"
        assert adapter.channel == self.channel
        for name in ("send", "health", "aclose"):
            assert inspect.iscoroutinefunction(getattr(adapter, name)), f"{name} must be async"

    async def test_every_kind_it_takes_is_answered_in_the_channel_shape(self) -> None:
        for overrides in self.answer_configs:
            for kind, answer in await self.answers(overrides):
                assert isinstance(answer, AdapterAnswer)
                assert set(answer.answer) == self.answer_keys, (kind, dict(overrides))
                json.dumps(answer.answer)  # travels as JSON on the broker and in the database

    async def test_the_answer_does_not_echo_the_subject(self) -> None:
        # Answers are stored and shown; a subject copied into them would outlive its purge.
        for overrides in self.answer_configs:
            for kind, answer in await self.answers(overrides):
                text = json.dumps(answer.answer)
                for value in _leaf_strings(SAMPLE_SUBJECTS[kind]):
                    if len(value) >= _ECHO_MIN_LENGTH:
                        assert value not in text, (kind, value)

    async def test_a_kind_it_does_not_take_is_refused_for_good(
        self, adapter: ChannelAdapter
    ) -> None:
        for kind in sorted(set(Kind) - self.kinds):
            with pytest.raises(PermanentChannelError, match=str(kind)):
                await adapter.send(self.envelope(kind))

    async def test_a_dispatch_for_another_channel_is_refused_for_good(
        self, adapter: ChannelAdapter
    ) -> None:
        other = next(channel for channel in Channel if channel != self.channel)
        with pytest.raises(PermanentChannelError):
            await adapter.send(self.envelope(channel=other))

    def test_an_invalid_configuration_names_the_key(self) -> None:
        for config, key in self.invalid_configs:
            with pytest.raises(AdapterConfigError) as raised:
                self.create_adapter(config)
            assert key in str(raised.value), (dict(config), str(raised.value))

    def test_it_implements_the_contract_version_it_claims(self, adapter: ChannelAdapter) -> None:
        assert isinstance(adapter, ReceivingAdapter) == self.receiving
        assert isinstance(adapter, ConversingAdapter) == self.conversing
        if self.receiving:
            for name in ("receive", "acknowledge", "reply"):
                assert inspect.iscoroutinefunction(getattr(adapter, name)), f"{name} must be async"
        if isinstance(adapter, ConversingAdapter):
            assert inspect.iscoroutinefunction(adapter.send_message), "send_message must be async"

    async def test_what_it_receives_is_of_its_channel_and_can_be_registered(self) -> None:
        self._require_receiving()
        async with self.receiving_adapter() as adapter:
            await self.partner_sends(adapter, 5)
            messages = await _receive_all(adapter, 5)
        assert len(messages) == 5
        for message in messages:
            assert isinstance(message, PartnerMessage)
            assert (message.channel, message.type) == (self.channel, "request")
            assert message.kind in self.kinds
            assert message.subject, "a request names its subject"
            assert re.fullmatch("[A-Z]{2}", message.requesting_country), "ISO 3166 alpha-2"
            # the same message offered twice keeps its id: the registrar registers it once
            assert message.message_id == partner_message_id(self.channel, message.partner_reference)
            json.loads(message.model_dump_json())
        assert len({message.partner_reference for message in messages}) == 5

    async def test_an_acknowledged_message_is_not_offered_again(self) -> None:
        self._require_receiving()
        async with self.receiving_adapter() as adapter:
            await self.partner_sends(adapter, 3)
            messages = await _receive_all(adapter, 3)
            await adapter.acknowledge([message.message_id for message in messages])
            await adapter.acknowledge([message.message_id for message in messages])  # harmless
            assert await adapter.receive(10, wait_seconds=self.reoffer_seconds * 1.5) == []

    async def test_an_unacknowledged_message_is_offered_again(self) -> None:
        self._require_receiving()
        async with self.receiving_adapter() as adapter:
            await self.partner_sends(adapter, 2)
            first = await _receive_all(adapter, 2)
            again = await _receive_all(adapter, 2, wait=self.reoffer_seconds * 3)
        assert {m.message_id for m in again} == {m.message_id for m in first}

    async def test_a_long_poll_returns_empty_in_time(self) -> None:
        self._require_receiving()
        async with self.receiving_adapter() as adapter:
            started = asyncio.get_running_loop().time()
            assert await adapter.receive(10, wait_seconds=0.2) == []
            assert asyncio.get_running_loop().time() - started < 2.0

    async def test_a_reply_delivered_twice_is_acknowledged_once_with_one_receipt(self) -> None:
        self._require_receiving()
        async with self.receiving_adapter() as adapter:
            for reply_type in ReplyType:
                envelope = self.reply_envelope(reply_type)
                receipt = await adapter.reply(envelope)
                assert isinstance(receipt, ReplyReceipt)
                assert receipt.partner_message_reference
                assert await adapter.reply(envelope) == receipt

    async def test_a_reply_for_another_channel_is_refused_for_good(self) -> None:
        self._require_receiving()
        other = next(channel for channel in Channel if channel != self.channel)
        envelope = self.reply_envelope().model_copy(update={"channel": other})
        async with self.receiving_adapter() as adapter:
            with pytest.raises(PermanentChannelError):
                await adapter.reply(envelope)

    async def test_a_message_delivered_twice_is_acknowledged_once_with_one_receipt(self) -> None:
        self._require_conversing()
        photo = sample_attachment()
        async with self.conversing_adapter() as adapter:
            receipts = []
            for type in MessageType:
                thread = "none" if type is MessageType.SPONTANEOUS else "dispatch"
                envelope = self.message_envelope(type, thread=thread, attachments=[photo])
                receipt = await adapter.send_message(envelope)
                assert isinstance(receipt, ReplyReceipt)
                assert receipt.partner_message_reference
                assert await adapter.send_message(envelope) == receipt, type
                # A new publish of the same message (a new message_id) is the same message.
                again = envelope.model_copy(update={"message_id": uuid4()})
                assert await adapter.send_message(again) == receipt, type
                receipts.append(receipt.partner_message_reference)
            assert len(set(receipts)) == len(receipts), "one receipt per message"

    async def test_a_message_for_another_channel_is_refused_for_good(self) -> None:
        self._require_conversing()
        other = next(channel for channel in Channel if channel != self.channel)
        envelope = self.message_envelope().model_copy(update={"channel": other})
        async with self.conversing_adapter() as adapter:
            with pytest.raises(PermanentChannelError):
                await adapter.send_message(envelope)

    async def test_a_question_comes_back_answered_on_its_thread(self) -> None:
        self._require_conversing()
        if not self.answers_questions:
            pytest.skip("this channel's partner cannot be made to answer in a test")
        sent = {
            "follow_up": self.message_envelope(MessageType.FOLLOW_UP),
            "clarification": self.message_envelope(MessageType.CLARIFICATION, thread="inbound"),
            "reminder": self.message_envelope(MessageType.REMINDER),
            "information": self.message_envelope(MessageType.ADDITIONAL_INFORMATION),
        }
        async with self.conversing_adapter() as adapter:
            for envelope in sent.values():
                await adapter.send_message(envelope)
            back = await _receive_all(adapter, 3)
            await adapter.acknowledge([message.message_id for message in back])
            assert await adapter.receive(10, wait_seconds=0.3) == [], "information asks nothing"
        by_question: dict[UUID | None, PartnerMessage] = {m.answers_id: m for m in back}
        for name, kind in (("follow_up", "answer"), ("clarification", "answer"),
                           ("reminder", "acknowledgement")):  # fmt: skip
            envelope = sent[name]
            message = by_question.get(envelope.exchange_message_id)
            assert message is not None, f"no {kind} to our {name}"
            assert (message.type, message.message_type) == ("message", kind)
            assert message.channel == self.channel
            assert message.requesting_country == envelope.country
            assert message.text, "a message says something"
            if envelope.inbound_id is not None:
                assert (message.in_reply_to, message.our_reference) == (
                    envelope.partner_reference,
                    None,
                )
            else:
                assert message.our_reference == envelope.our_reference
            assert message.message_id == partner_message_id(
                self.channel, message.partner_reference, "message"
            )
            _check_attachments(message)

    async def test_what_the_partner_sends_of_its_own_accord_can_be_registered(self) -> None:
        self._require_conversing()
        if self.own_accord_config is None:
            pytest.skip("no configuration makes this channel's partner send of its own accord")
        async with self.conversing_adapter(self.own_accord_config) as adapter:
            messages = await _receive_all(adapter, 5)
        assert len(messages) == 5
        for message in messages:
            assert (message.type, message.channel) == ("message", self.channel)
            assert message.message_type in (
                MessageType.SPONTANEOUS,
                MessageType.ADDITIONAL_INFORMATION,
            )
            if message.message_type is MessageType.SPONTANEOUS:
                assert message.legal_basis, "Directive (EU) 2023/977 Art. 7: its legal basis"
                assert (message.our_reference, message.in_reply_to) == (None, None)
            assert re.fullmatch("[A-Z]{2}", message.requesting_country), "ISO 3166 alpha-2"
            _check_attachments(message)
            json.loads(message.model_dump_json())
        assert len({message.message_id for message in messages}) == 5

    def _require_conversing(self) -> None:
        if not self.conversing:
            pytest.skip("an adapter of contract version 1 or 2 (no conversations)")

    def _require_receiving(self) -> None:
        if not self.receiving:
            pytest.skip("a sending-only adapter (contract version 1)")

    async def test_health_is_a_bool_and_closing_twice_is_harmless(
        self, adapter: ChannelAdapter
    ) -> None:
        assert isinstance(await adapter.health(), bool)
        await adapter.aclose()
        await adapter.aclose()


async def _receive_all(
    adapter: ReceivingAdapter, count: int, wait: float = 5.0
) -> list[PartnerMessage]:
    """``count`` messages from as many receives as it takes, within ``wait`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    messages: list[PartnerMessage] = []
    while len(messages) < count and loop.time() < deadline:
        batch = await adapter.receive(count - len(messages), wait_seconds=deadline - loop.time())
        messages += batch
    return messages


def sample_attachment() -> WireAttachment:
    return WireAttachment(
        attachment_id=uuid4(),
        filename="photo.png",
        content_type="image/png",
        size=len(SAMPLE_PNG),
        sha256=hashlib.sha256(SAMPLE_PNG).hexdigest(),
        content=base64.b64encode(SAMPLE_PNG),
    )


def _check_attachments(message: PartnerMessage) -> None:
    """What a partner attaches arrives whole: its size and checksum are those of its bytes."""
    for attachment in message.attachments:
        assert attachment.size == len(attachment.content), attachment.filename
        assert attachment.sha256 == hashlib.sha256(attachment.content).hexdigest()


def _leaf_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _leaf_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _leaf_strings(item)]
    return []
