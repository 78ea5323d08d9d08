"""The stub register: one class, configured per register by its entry of the data file."""

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from oss_router.messages.codes import AccessType, Kind
from oss_router.registers.contract import (
    RegisterClient,
    RegisterConfigError,
    RegisterError,
    RegisterHit,
)
from oss_router_registers.data import RegisterData, register_data
from oss_router_registers.matching import matcher_for, record_problem
from oss_router_registers.settings import StubRegisterSettings, parse_settings

Sleep = Callable[[float], Awaitable[None]]


class StubRegister:
    """A simulated national register answering from its data. ``sleep`` is injectable so that
    tests need no real time."""

    def __init__(
        self,
        name: str,
        data: RegisterData,
        settings: StubRegisterSettings,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._name = name
        self.data = data
        self.settings = settings
        self._sleep = sleep
        # A simulation that must replay identically, not a secret: a seeded PRNG is the point.
        self._rng = random.Random(f"{settings.seed}:{name}")  # noqa: S311
        _check_records(name, data)

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, str]) -> "StubRegister":
        settings = parse_settings(name, config)
        return cls(name, register_data(name, settings.data_file), settings)

    @property
    def name(self) -> str:
        return self._name

    @property
    def kinds(self) -> frozenset[Kind]:
        return self.data.kinds

    @property
    def access_type(self) -> AccessType:
        return self.settings.access_type or self.data.access_type

    async def check(self, kind: Kind, subject: Mapping[str, Any]) -> list[RegisterHit]:
        # Failure is drawn first, so whether a check fails does not depend on latency.
        fails = self._rng.random() < self.settings.error_rate
        await self._wait()
        if fails:
            raise RegisterError(f"{self.name} simulated outage")
        if kind not in self.kinds:
            return []
        matches = matcher_for(kind)
        return [
            RegisterHit(
                register=self.name,
                record_reference=record.reference,
                summary=record.summary,
                match=match,
                details=record.details,
            )
            for record in self.data.records
            if record.kind in (None, kind)
            and (match := matches(subject, record.subject)) is not None
        ]

    async def health(self) -> bool:
        return self.settings.healthy

    async def aclose(self) -> None:
        return None

    async def _wait(self) -> None:
        mean, jitter = self.settings.latency_ms, self.settings.latency_jitter_ms
        if mean == 0:  # latency 0 must not even yield: tests and benchmarks measure the rest
            return
        await self._sleep(max(0.0, mean + self._rng.uniform(-jitter, jitter)) / 1000)


def _check_records(name: str, data: RegisterData) -> None:
    for record in data.records:
        for kind in [record.kind] if record.kind is not None else data.kinds:
            problem = record_problem(kind, record.subject)
            if problem is not None:
                raise RegisterConfigError(
                    f"the {name} register's record {record.reference!r} ({kind}): {problem}"
                )


def stub_factory(name: str) -> Callable[[Mapping[str, str]], RegisterClient]:
    """The entry point of the stub register ``name``: its data file entry, configured."""

    def create_register(config: Mapping[str, str]) -> RegisterClient:
        return StubRegister.from_config(name, config)

    create_register.__qualname__ = f"create_{name}"
    return create_register
