"""The shipped register contract fails a register that breaks it (the stubs show it passes)."""

from collections.abc import Mapping
from typing import Any

import pytest

from oss_router.messages.codes import Kind
from oss_router.registers.contract import RegisterClient, RegisterHit
from oss_router.registers.testing import RegisterContract
from tests.registers.fakes import FakeRegister

KNOWN = {Kind.PERSON: {"family_name": "Nowak"}}
UNKNOWN = {Kind.PERSON: {"family_name": "Nobody"}}


class Careless(FakeRegister):
    """Answers every kind, with the same hit for everyone, on several lines, named wrongly."""

    async def check(self, kind: Kind, subject: Mapping[str, Any]) -> list[RegisterHit]:
        return [RegisterHit(register="elsewhere", record_reference="R-1",
                            summary="line one\nline two", match="exact")]  # fmt: skip


class Silent(FakeRegister):
    """Never finds anything, not even what it holds."""

    async def check(self, kind: Kind, subject: Mapping[str, Any]) -> list[RegisterHit]:
        return []


def contract(register: FakeRegister) -> RegisterContract:
    class Contract(RegisterContract):
        name = "wanted"
        kinds = frozenset({Kind.PERSON})
        known = KNOWN
        unknown = UNKNOWN

        def create_register(self, config: Mapping[str, str]) -> RegisterClient:
            return register

    return Contract()


@pytest.mark.parametrize(
    "check",
    [
        "test_a_known_subject_is_a_hit_of_this_register",
        "test_an_unknown_subject_is_no_hit",
        "test_a_kind_it_does_not_hold_has_no_hit",
    ],
)
async def test_a_careless_register_fails_the_contract(check: str) -> None:
    with pytest.raises(AssertionError):
        await getattr(contract(Careless("wanted")), check)(Careless("wanted"))


async def test_a_register_that_finds_nothing_fails_the_contract() -> None:
    with pytest.raises(AssertionError):
        await contract(Silent("wanted")).test_a_known_subject_is_a_hit_of_this_register(
            Silent("wanted")
        )


def test_a_register_of_another_name_fails_the_contract() -> None:
    with pytest.raises(AssertionError):
        contract(FakeRegister("other")).test_the_factory_makes_a_register_of_its_name_and_kinds(
            FakeRegister("other")
        )


def test_an_accepted_invalid_configuration_fails_the_contract() -> None:
    class Lenient(RegisterContract):
        invalid_configs = (({"latency_ms": "-1"}, "latency_ms"),)

        def create_register(self, config: Mapping[str, str]) -> RegisterClient:
            return FakeRegister("wanted")

    with pytest.raises(pytest.fail.Exception):
        Lenient().test_an_invalid_configuration_names_the_key()
