"""Adapter discovery through entry points, and a start-up that fails loudly."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint
from typing import Any

import pytest

import oss_router_adapters.pccc
import oss_router_adapters.sirene
from oss_router.channel import registry
from oss_router.channel.contract import ENTRY_POINT_GROUP, AdapterConfigError, ChannelAdapter
from oss_router.channel.registry import adapter_config, discover, load_adapters
from oss_router.messages.codes import Channel
from oss_router_adapters.stub import StubAdapter


@dataclass(frozen=True)
class FakeEntryPoint:
    """An entry point whose target is an object made in the test, not an importable path."""

    name: str
    target: object
    value: str = "tests:fake"

    def load(self) -> object:
        return self.target


Installed = Callable[..., None]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Installed:
    """Replace the installed entry points with ``name=target`` (a path or an object)."""

    def install(**targets: object) -> None:
        entries = [
            EntryPoint(name=name, value=target, group=ENTRY_POINT_GROUP)
            if isinstance(target, str)
            else FakeEntryPoint(name, target)
            for name, target in targets.items()
        ]

        def entry_points(*, group: str) -> list[Any]:
            return entries if group == ENTRY_POINT_GROUP else []

        monkeypatch.setattr(registry, "entry_points", entry_points)

    return install


def test_discovers_the_five_stub_adapters() -> None:
    factories = discover()
    assert set(factories) == set(Channel)
    assert factories[Channel.SIRENE] is oss_router_adapters.sirene.create_adapter


def test_adapter_config_from_environment() -> None:
    environ = {
        "OSS_ROUTER_ADAPTER_LIAISON_OFFICER_LATENCY_MS": "50",
        "OSS_ROUTER_ADAPTER_LIAISON_OFFICER_HIT_RATE": "0.5",
        "OSS_ROUTER_ADAPTER_PCCC_SEED": "3",
        "OSS_ROUTER_DATABASE_URL": "sqlite+aiosqlite:///var/db",
        "oss_router_adapter_liaison_officer_seed": "9",  # environment names are case-sensitive
    }
    assert adapter_config(Channel.LIAISON_OFFICER, environ) == {
        "latency_ms": "50",
        "hit_rate": "0.5",
    }
    assert adapter_config(Channel.PCCC, environ) == {"seed": "3"}
    assert adapter_config(Channel.SIRENE, environ) == {}


def test_load_adapters_applies_the_environment() -> None:
    environ = {"OSS_ROUTER_ADAPTER_PCCC_LATENCY_MS": "5", "OSS_ROUTER_ADAPTER_PCCC_SEED": "4"}
    adapters = load_adapters([Channel.PCCC, Channel.SIRENE, Channel.PCCC], environ)
    assert set(adapters) == {Channel.PCCC, Channel.SIRENE}
    pccc = adapters[Channel.PCCC]
    assert isinstance(pccc, StubAdapter)
    assert (pccc.settings.latency_ms, pccc.settings.seed) == (5, 4)
    assert all(isinstance(adapter, ChannelAdapter) for adapter in adapters.values())


def test_missing_adapter_fails_loudly(installed: Installed) -> None:
    installed(pccc="oss_router_adapters.pccc:create_adapter")
    with pytest.raises(AdapterConfigError, match=r"'interpol' is configured but no adapter"):
        load_adapters([Channel.PCCC, Channel.INTERPOL], {})


def test_only_the_configured_channels_are_loaded(installed: Installed) -> None:
    # A broken package for another channel must not stop this channel's worker.
    installed(
        pccc="oss_router_adapters.pccc:create_adapter",
        sirene="oss_router_adapters.no_such_module:create_adapter",
    )
    assert set(load_adapters([Channel.PCCC], {})) == {Channel.PCCC}
    with pytest.raises(AdapterConfigError, match=r"sirene adapter .* cannot be loaded"):
        discover()


def test_invalid_config_names_the_variable() -> None:
    environ = {"OSS_ROUTER_ADAPTER_SIRENE_FAILURE_RATE": "often"}
    with pytest.raises(AdapterConfigError, match="failure_rate") as caught:
        load_adapters([Channel.SIRENE], environ)
    assert "OSS_ROUTER_ADAPTER_SIRENE_" in str(caught.value)


def test_unknown_channel_in_entry_points(installed: Installed) -> None:
    installed(carrier_pigeon="oss_router_adapters.pccc:create_adapter")
    with pytest.raises(AdapterConfigError, match="unknown channel 'carrier_pigeon'"):
        discover()


def test_unknown_configured_channel() -> None:
    with pytest.raises(AdapterConfigError, match="unknown channel 'telex'"):
        load_adapters(["telex"], {})  # type: ignore[list-item]


def test_two_adapters_for_one_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [
        EntryPoint("pccc", "oss_router_adapters.pccc:create_adapter", ENTRY_POINT_GROUP),
        EntryPoint("pccc", "other_vendor.pccc:create_adapter", ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda *, group: entries)
    with pytest.raises(AdapterConfigError, match="two adapters for channel 'pccc'"):
        discover()


def test_factory_must_be_callable(installed: Installed) -> None:
    installed(pccc="oss_router.channel.contract:ENTRY_POINT_GROUP")
    with pytest.raises(AdapterConfigError, match="not callable"):
        load_adapters([Channel.PCCC], {})


def test_adapter_must_serve_its_channel(installed: Installed) -> None:
    installed(pccc="oss_router_adapters.sirene:create_adapter")
    with pytest.raises(AdapterConfigError, match="registered for 'pccc' says it serves 'sirene'"):
        load_adapters([Channel.PCCC], {})


class SyncAdapter:
    """Has every name of the protocol, but the worker could not await it."""

    channel = Channel.PCCC

    def send(self, envelope: object) -> None: ...

    def health(self) -> bool:
        return True

    def aclose(self) -> None: ...


@pytest.mark.parametrize(
    "factory",
    [
        lambda config: dict(config),
        lambda config: SyncAdapter(),
    ],
    ids=["not-an-adapter", "synchronous-methods"],
)
def test_factory_must_return_a_channel_adapter(
    installed: Installed, factory: Callable[[Mapping[str, str]], object]
) -> None:
    installed(pccc=factory)
    with pytest.raises(AdapterConfigError, match="does not implement ChannelAdapter"):
        load_adapters([Channel.PCCC], {})


def test_loaded_stub_is_the_registered_one() -> None:
    adapter = load_adapters([Channel.PCCC], {})[Channel.PCCC]
    assert isinstance(adapter, StubAdapter)
    assert adapter.profile is oss_router_adapters.pccc.PROFILE
