"""Finds the register clients installed under the ``oss_router.registers`` entry-point group.

Start-up fails loudly, as for channel adapters (``channel/registry.py``): a register that
cannot be loaded, a factory that rejects its configuration, an object that is not a
RegisterClient, a client whose name is not its entry point's, or two packages claiming one
name all raise RegisterConfigError, so a gateway never starts with a register silently missing.
Every installed register is loaded: uninstalling its package is how one is left out.
"""

import inspect
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

from oss_router.messages.codes import AccessType
from oss_router.registers.contract import (
    ENTRY_POINT_GROUP,
    RegisterClient,
    RegisterConfigError,
    RegisterFactory,
)

ENV_PREFIX = "OSS_ROUTER_REGISTER_"
_METHODS = ("check", "health", "aclose")


def env_prefix(name: str) -> str:
    return f"{ENV_PREFIX}{name.upper()}_"


def register_config(name: str, environ: Mapping[str, str]) -> dict[str, str]:
    """``OSS_ROUTER_REGISTER_<NAME>_<KEY>=value`` → ``{"<key>": value}`` for one register."""
    prefix = env_prefix(name)
    return {
        key.removeprefix(prefix).lower(): value
        for key, value in environ.items()
        if key.startswith(prefix)
    }


def load_registers(environ: Mapping[str, str]) -> dict[str, RegisterClient]:
    """One configured client per installed register, by name; RegisterConfigError if any fails."""
    return {
        name: _create(name, _load(entry), environ) for name, entry in sorted(_entries().items())
    }


def _entries() -> dict[str, EntryPoint]:
    entries: dict[str, EntryPoint] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in entries:  # which of two registers answers must not be luck
            raise RegisterConfigError(
                f"two registers named {entry.name!r}: {entries[entry.name].value!r} and "
                f"{entry.value!r}; uninstall one"
            )
        entries[entry.name] = entry
    return entries


def _load(entry: EntryPoint) -> RegisterFactory:
    try:
        factory: Any = entry.load()
    except Exception as exc:  # any import failure of a plugin is a configuration error
        raise RegisterConfigError(
            f"the {entry.name} register {entry.value!r} cannot be loaded: {exc!r}"
        ) from exc
    if not callable(factory):
        raise RegisterConfigError(f"the {entry.name} register {entry.value!r} is not callable")
    return cast(RegisterFactory, factory)


def _create(name: str, factory: RegisterFactory, environ: Mapping[str, str]) -> RegisterClient:
    try:
        client = factory(register_config(name, environ))
    except RegisterConfigError as exc:
        raise RegisterConfigError(f"{exc} (set through {env_prefix(name)}<KEY>)") from exc
    check_client(name, client)
    return client


def check_client(name: str, client: object) -> None:
    """RegisterConfigError unless ``client`` is a RegisterClient named ``name``."""
    # runtime_checkable only sees that the names exist; the service also needs them awaitable.
    if not isinstance(client, RegisterClient) or not all(
        inspect.iscoroutinefunction(getattr(client, method)) for method in _METHODS
    ):
        raise RegisterConfigError(
            f"the {name} register factory returned {type(client).__qualname__}, which does not "
            "implement RegisterClient (name, kinds, access_type; async check, health, aclose)"
        )
    if client.name != name:
        raise RegisterConfigError(f"the register installed as {name!r} says it is {client.name!r}")
    if not client.kinds:
        raise RegisterConfigError(f"the {name} register holds no kind of subject")
    if not isinstance(client.access_type, AccessType):
        raise RegisterConfigError(
            f"the {name} register's access_type is {client.access_type!r}, not direct or indirect"
        )
