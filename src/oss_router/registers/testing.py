"""The register contract as tests: subclass ``RegisterContract`` to check any register client.

Shipped in the package (like ``oss_router.channel.testing``) so that a real register client, in
its own repository, is held to exactly what the registers service relies on, and the stubs
pass the same class. Written for pytest (pytest-asyncio in ``auto`` mode); only tests import it.

    from oss_router.registers.testing import RegisterContract

    class TestMyWantedPersons(RegisterContract):
        name = "wanted_persons"
        kinds = frozenset({Kind.PERSON})
        known = {Kind.PERSON: {"family_name": "Wiśniewski", "date_of_birth": "1987-04-12"}}
        unknown = {Kind.PERSON: {"family_name": "Nobody", "date_of_birth": "1901"}}

        def create_register(self, config: Mapping[str, str]) -> RegisterClient:
            return my_package.create_register(config)

The base class is named without the ``Test`` prefix, so pytest collects only the subclasses.
``known`` holds, per kind, a subject the register under test holds a record of (seed its test
data so); ``unknown`` a subject it holds nothing on.
"""

import inspect
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

import pytest

from oss_router.messages.codes import AccessType, Kind
from oss_router.registers.contract import RegisterClient, RegisterConfigError, RegisterHit


class RegisterContract:
    """What every register client must do, as pytest tests; see the module docstring."""

    name: ClassVar[str]
    """The register's name (its entry point's)."""
    kinds: ClassVar[frozenset[Kind]]
    """The kinds of subject it holds."""
    known: ClassVar[Mapping[Kind, Mapping[str, Any]]]
    """Per kind it holds, a subject it has a record of."""
    unknown: ClassVar[Mapping[Kind, Mapping[str, Any]]]
    """Per kind it holds, a subject it has nothing on."""
    config: ClassVar[Mapping[str, str]] = {}
    """The configuration of the clients the contract makes (fast, offline)."""
    invalid_configs: ClassVar[Sequence[tuple[Mapping[str, str], str]]] = ()
    """Configurations the factory must reject, each with the key its error must name."""

    def create_register(self, config: Mapping[str, str]) -> RegisterClient:
        """The factory under test (what the register's entry point resolves to)."""
        raise NotImplementedError(f"{type(self).__name__} must implement create_register")

    @pytest.fixture
    async def register(self) -> AsyncIterator[RegisterClient]:
        client = self.create_register(self.config)
        try:
            yield client
        finally:
            await client.aclose()

    def test_the_factory_makes_a_register_of_its_name_and_kinds(
        self, register: RegisterClient
    ) -> None:
        assert isinstance(register, RegisterClient), f"{register!r} lacks RegisterClient's members"
        assert register.name == self.name
        assert register.kinds == self.kinds
        assert isinstance(register.access_type, AccessType)
        for method in ("check", "health", "aclose"):
            assert inspect.iscoroutinefunction(getattr(register, method)), f"{method} must be async"

    async def test_a_known_subject_is_a_hit_of_this_register(
        self, register: RegisterClient
    ) -> None:
        for kind in sorted(self.kinds):
            hits = await register.check(kind, self.known[kind])
            assert hits, (kind, "no hit for the known subject")
            for hit in hits:
                assert isinstance(hit, RegisterHit)
                assert hit.register == self.name
                assert hit.record_reference
                assert hit.match
                assert hit.summary
                assert "\n" not in hit.summary, "a summary is one line"
                json.dumps(hit.model_dump(mode="json"))  # stored and shown as JSON

    async def test_an_unknown_subject_is_no_hit(self, register: RegisterClient) -> None:
        for kind in sorted(self.kinds):
            assert await register.check(kind, self.unknown[kind]) == [], kind

    async def test_a_kind_it_does_not_hold_has_no_hit(self, register: RegisterClient) -> None:
        subject = next(iter(self.known.values()))
        for kind in sorted(set(Kind) - self.kinds):
            assert await register.check(kind, subject) == [], kind

    async def test_the_same_check_gives_the_same_hits(self, register: RegisterClient) -> None:
        for kind in sorted(self.kinds):
            first = await register.check(kind, self.known[kind])
            assert await register.check(kind, self.known[kind]) == first

    def test_an_invalid_configuration_names_the_key(self) -> None:
        for config, key in self.invalid_configs:
            with pytest.raises(RegisterConfigError) as raised:
                self.create_register(config)
            assert key in str(raised.value), (dict(config), str(raised.value))

    async def test_health_is_a_bool_and_closing_twice_is_harmless(
        self, register: RegisterClient
    ) -> None:
        assert isinstance(await register.health(), bool)
        await register.aclose()
        await register.aclose()
