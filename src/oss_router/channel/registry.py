"""Finds the channel adapters installed under the ``oss_router.adapters`` entry-point group.

Start-up fails loudly: a configured channel without an adapter, an adapter that cannot be
loaded, an invalid configuration or an object that is not a ChannelAdapter of that channel all
raise AdapterConfigError, so a worker never starts half-configured.
"""

import inspect
import logging
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

from oss_router.channel.contract import (
    ENTRY_POINT_GROUP,
    AdapterConfigError,
    AdapterFactory,
    ChannelAdapter,
)
from oss_router.messages.codes import Channel

ENV_PREFIX = "OSS_ROUTER_ADAPTER_"

log = logging.getLogger(__name__)


def discover() -> dict[Channel, AdapterFactory]:
    """Every installed adapter factory, loaded, by channel."""
    return {channel: _load(entry) for channel, entry in _entries().items()}


@cache
def installed_channels() -> frozenset[Channel]:
    """The channels whose adapter is installed and loads, looked up once per process.

    The installed packages do not change while a process runs, and scanning the entry points
    (and importing every adapter) is far too slow for each ``GET /v1/channels``. Unlike
    ``discover`` this never raises: an adapter that cannot be loaded is logged and reported as
    not loaded.
    """
    loaded: set[Channel] = set()
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            channel = _as_channel(entry.name)
            _load(entry)
        except AdapterConfigError as error:
            log.warning("adapter not loaded: %s", error)
            continue
        loaded.add(channel)
    return frozenset(loaded)


def adapter_config(channel: Channel, environ: Mapping[str, str]) -> dict[str, str]:
    """``OSS_ROUTER_ADAPTER_<CHANNEL>_<KEY>=value`` → ``{"<key>": value}`` for one channel."""
    prefix = env_prefix(channel)
    return {
        name.removeprefix(prefix).lower(): value
        for name, value in environ.items()
        if name.startswith(prefix)
    }


def load_adapters(
    channels: Iterable[Channel], environ: Mapping[str, str]
) -> dict[Channel, ChannelAdapter]:
    """One configured adapter per channel; only the requested channels' packages are imported."""
    entries = _entries()
    adapters: dict[Channel, ChannelAdapter] = {}
    for channel in dict.fromkeys(_as_channel(name) for name in channels):
        if channel not in entries:
            installed = ", ".join(sorted(entries)) or "none"
            raise AdapterConfigError(
                f"channel {channel.value!r} is configured but no adapter is installed for it under "
                f"the entry-point group {ENTRY_POINT_GROUP!r} (installed: {installed})"
            )
        adapters[channel] = _create(channel, _load(entries[channel]), environ)
    return adapters


def env_prefix(channel: Channel) -> str:
    return f"{ENV_PREFIX}{channel.upper()}_"


def _entries() -> dict[Channel, EntryPoint]:
    entries: dict[Channel, EntryPoint] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        channel = _as_channel(entry.name)
        if channel in entries:  # two packages claim a channel: which one runs must not be luck
            raise AdapterConfigError(
                f"two adapters for channel {channel.value!r}: {entries[channel].value!r} and "
                f"{entry.value!r}; uninstall one"
            )
        entries[channel] = entry
    return entries


def _as_channel(name: str) -> Channel:
    try:
        return Channel(name)
    except ValueError:
        known = ", ".join(Channel)
        raise AdapterConfigError(f"unknown channel {name!r} (known: {known})") from None


def _load(entry: EntryPoint) -> AdapterFactory:
    try:
        factory: Any = entry.load()
    except Exception as exc:  # any import failure of a plugin is a configuration error
        raise AdapterConfigError(
            f"the {entry.name} adapter {entry.value!r} cannot be loaded: {exc!r}"
        ) from exc
    if not callable(factory):
        raise AdapterConfigError(f"the {entry.name} adapter {entry.value!r} is not callable")
    return cast(AdapterFactory, factory)


def _create(
    channel: Channel, factory: AdapterFactory, environ: Mapping[str, str]
) -> ChannelAdapter:
    try:
        adapter = factory(adapter_config(channel, environ))
    except AdapterConfigError as exc:
        raise AdapterConfigError(f"{exc} (set through {env_prefix(channel)}<KEY>)") from exc
    _check_adapter(channel, adapter)
    return adapter


def _check_adapter(channel: Channel, adapter: object) -> None:
    # runtime_checkable only sees that the names exist; the worker also needs them awaitable.
    if not isinstance(adapter, ChannelAdapter) or not all(
        inspect.iscoroutinefunction(getattr(adapter, name)) for name in ("send", "health", "aclose")
    ):
        raise AdapterConfigError(
            f"the {channel} adapter factory returned {type(adapter).__qualname__}, which does not "
            "implement ChannelAdapter (channel property; async send, health, aclose)"
        )
    if adapter.channel != channel:
        raise AdapterConfigError(
            f"the adapter registered for {channel.value!r} says it serves {str(adapter.channel)!r}"
        )
