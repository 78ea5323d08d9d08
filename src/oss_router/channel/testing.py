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
The contract knows nothing of how an adapter answers (seeded, remote, recorded): what an
adapter needs to answer quickly and offline in tests goes into ``config``, and the
configurations under which the answer's shape is checked (one per outcome, say) into
``answer_configs``.
"""

import inspect
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import uuid4

import pytest

from oss_router.channel.contract import (
    AdapterAnswer,
    AdapterConfigError,
    ChannelAdapter,
    PermanentChannelError,
)
from oss_router.messages.codes import Channel, HandlingCode, Kind, Urgency
from oss_router.messages.dispatch import DispatchEnvelope

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

    async def test_health_is_a_bool_and_closing_twice_is_harmless(
        self, adapter: ChannelAdapter
    ) -> None:
        assert isinstance(await adapter.health(), bool)
        await adapter.aclose()
        await adapter.aclose()


def _leaf_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _leaf_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _leaf_strings(item)]
    return []
