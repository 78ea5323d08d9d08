"""Register discovery through entry points, and a start-up that fails loudly."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from oss_router.app import create_app
from oss_router.messages.codes import AccessType, Kind
from oss_router.registers import registry
from oss_router.registers.contract import ENTRY_POINT_GROUP, RegisterConfigError
from oss_router.registers.registry import load_registers, register_config
from oss_router.startup import StartupError
from tests.registers.fakes import FakeRegister

STUBS = {"dna_profiles", "missing_persons", "stolen_documents", "stolen_vehicles", "wanted_persons"}


@dataclass(frozen=True)
class FakeEntryPoint:
    name: str
    target: object
    value: str = "tests:fake"

    def load(self) -> object:
        return self.target


Installed = Callable[..., None]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Installed:
    """Replace the installed entry points with ``name=target`` (a path or an object)."""

    def install(*pairs: tuple[str, object]) -> None:
        entries = [
            EntryPoint(name=name, value=target, group=ENTRY_POINT_GROUP)
            if isinstance(target, str)
            else FakeEntryPoint(name, target)
            for name, target in pairs
        ]
        monkeypatch.setattr(
            registry, "entry_points", lambda *, group: entries if group == ENTRY_POINT_GROUP else []
        )

    return install


def factory_of(client: object) -> Callable[[Mapping[str, str]], object]:
    return lambda config: client


def test_the_five_stub_registers_are_installed_and_load() -> None:
    loaded = load_registers({})
    assert set(loaded) == STUBS
    assert {kind for client in loaded.values() for kind in client.kinds} == set(Kind) & {
        Kind.PERSON,
        Kind.VEHICLE,
        Kind.DOCUMENT,
        Kind.DNA,
    }


def test_register_config_from_environment() -> None:
    environ = {
        "OSS_ROUTER_REGISTER_WANTED_PERSONS_LATENCY_MS": "5",
        "OSS_ROUTER_REGISTER_WANTED_PERSONS_ACCESS_TYPE": "indirect",
        "OSS_ROUTER_REGISTER_MISSING_PERSONS_SEED": "3",
        "oss_router_register_wanted_persons_seed": "9",  # environment names are case-sensitive
    }
    assert register_config("wanted_persons", environ) == {
        "latency_ms": "5",
        "access_type": "indirect",
    }
    loaded = load_registers(environ)
    assert loaded["wanted_persons"].access_type is AccessType.INDIRECT


def test_an_invalid_config_names_the_variable() -> None:
    environ = {"OSS_ROUTER_REGISTER_STOLEN_VEHICLES_ERROR_RATE": "often"}
    with pytest.raises(RegisterConfigError, match="error_rate") as caught:
        load_registers(environ)
    assert "OSS_ROUTER_REGISTER_STOLEN_VEHICLES_" in str(caught.value)
    assert isinstance(caught.value, StartupError)  # the command line says it in one line


def test_a_register_that_cannot_be_imported_stops_the_start(installed: Installed) -> None:
    installed(
        ("wanted_persons", "oss_router_registers:wanted_persons"),
        ("fingerprints", "oss_router_registers.no_such_module:fingerprints"),
    )
    with pytest.raises(RegisterConfigError, match=r"fingerprints register .* cannot be loaded"):
        load_registers({})


def test_two_registers_of_one_name(installed: Installed) -> None:
    installed(
        ("wanted_persons", "oss_router_registers:wanted_persons"),
        ("wanted_persons", "other_vendor:wanted_persons"),
    )
    with pytest.raises(RegisterConfigError, match="two registers named 'wanted_persons'"):
        load_registers({})


def test_a_factory_must_be_callable(installed: Installed) -> None:
    installed(("wanted_persons", "oss_router.registers.contract:ENTRY_POINT_GROUP"))
    with pytest.raises(RegisterConfigError, match="not callable"):
        load_registers({})


@pytest.mark.parametrize(
    ("client", "message"),
    [
        (object(), "does not implement RegisterClient"),
        (FakeRegister("someone_else"), "installed as 'wanted' says it is 'someone_else'"),
        (FakeRegister("wanted", frozenset()), "holds no kind"),
        (FakeRegister("wanted", access_type="sometimes"), "access_type is 'sometimes'"),  # type: ignore[arg-type]
    ],
)
def test_a_client_that_breaks_the_contract_stops_the_start(
    installed: Installed, client: Any, message: str
) -> None:
    installed(("wanted", factory_of(client)))
    with pytest.raises(RegisterConfigError, match=message):
        load_registers({})


def test_a_client_with_a_synchronous_check_stops_the_start(installed: Installed) -> None:
    class Synchronous(FakeRegister):
        def check(self, kind: Kind, subject: Mapping[str, Any]) -> Any:  # type: ignore[override]
            return []

    installed(("wanted", factory_of(Synchronous("wanted"))))
    with pytest.raises(RegisterConfigError, match="does not implement RegisterClient"):
        load_registers({})


async def test_a_broken_register_stops_the_gateway_from_starting(
    installed: Installed, settings: Any
) -> None:
    installed(("wanted_persons", "oss_router_registers.no_such_module:wanted_persons"))
    application = create_app(settings, migrate=True)
    with pytest.raises(RegisterConfigError, match="wanted_persons register"):
        async with application.router.lifespan_context(application):
            pass  # pragma: no cover - the start must fail
