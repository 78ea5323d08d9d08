"""Checking a subject against every national register that holds its kind, at once.

``check_subject`` never raises for a register's sake: a register that fails, times out or
answers something that is not a list of hits is named in ``NationalCheck.unavailable``, so a
desk officer always sees which registers were *not* consulted. The registers are loaded once
per process (``open_registers``, at start-up, failing loudly: registry.py) and installed here;
callers audit each check as a consultation (``consultation.py``). Imports no web framework.
"""

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from oss_router.clock import Clock, utcnow
from oss_router.messages.codes import AccessType, Kind
from oss_router.registers.contract import RegisterClient, RegisterHit
from oss_router.registers.registry import load_registers

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 2.0


class NationalCheck(BaseModel):
    """What the national registers hold on a subject, as checked at ``checked_at``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checked_at: AwareDatetime
    registers: list[str] = Field(description="The registers consulted (those holding the kind)")
    unavailable: list[str] = Field(
        description="Registers that failed or did not answer in time: their records are unknown"
    )
    hits: list[RegisterHit]
    access_type: AccessType = Field(
        description="direct when every register holding this kind is directly accessible to the "
        "bureau, else indirect (Directive (EU) 2023/977 Art. 5(1))"
    )


class NationalRegisters:
    """The loaded register clients of a process, asked concurrently within ``timeout_seconds``."""

    def __init__(
        self,
        clients: Mapping[str, RegisterClient],
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Clock = utcnow,
    ) -> None:
        self.clients = dict(sorted(clients.items()))
        self.timeout_seconds = timeout_seconds
        self._clock = clock

    def holding(self, kind: Kind) -> list[RegisterClient]:
        """The registers that hold records of ``kind``, by name."""
        return [client for client in self.clients.values() if kind in client.kinds]

    def access_type_for(self, kind: Kind) -> AccessType:
        """DIRECT when every register holding ``kind`` is directly accessible; INDIRECT when one
        is not, or none holds it (the information must then be obtained from elsewhere)."""
        holding = self.holding(kind)
        if holding and all(client.access_type is AccessType.DIRECT for client in holding):
            return AccessType.DIRECT
        return AccessType.INDIRECT

    async def check(self, kind: Kind, subject: Mapping[str, Any]) -> NationalCheck:
        holding = self.holding(kind)
        answers = await asyncio.gather(*(self._ask(client, kind, subject) for client in holding))
        answered = list(zip(holding, answers, strict=True))
        return NationalCheck(
            checked_at=self._clock(),
            registers=[client.name for client in holding],
            unavailable=[client.name for client, hits in answered if hits is None],
            hits=[hit for hits in answers if hits is not None for hit in hits],
            access_type=self.access_type_for(kind),
        )

    async def _ask(
        self, client: RegisterClient, kind: Kind, subject: Mapping[str, Any]
    ) -> list[RegisterHit] | None:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                hits = await client.check(kind, subject)
        except Exception as error:  # any failure of one register: reported, never raised
            # The type only: a register's message may quote the subject (personal data).
            log.warning("register %s unavailable: %s", client.name, type(error).__name__)
            return None
        if not _are_hits(hits):
            log.warning("register %s answered something that is not a list of hits", client.name)
            return None
        return list(hits)

    async def aclose(self) -> None:
        for client in self.clients.values():
            try:
                await client.aclose()
            except Exception:
                log.exception("register %s did not close cleanly", client.name)


def _are_hits(hits: object) -> bool:
    return isinstance(hits, Sequence) and all(isinstance(hit, RegisterHit) for hit in hits)


_installed: NationalRegisters | None = None


def open_registers(
    environ: Mapping[str, str],
    *,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    clock: Clock = utcnow,
) -> NationalRegisters:
    """Load every installed register (RegisterConfigError if one fails) and install them."""
    registers = NationalRegisters(
        load_registers(environ), timeout_seconds=timeout_seconds, clock=clock
    )
    install(registers)
    return registers


def install(registers: NationalRegisters | None) -> None:
    """The registers ``check_subject`` asks from now on (None: load them again when needed)."""
    global _installed  # one set of registers per process, like the installed packages
    _installed = registers


def installed() -> NationalRegisters:
    """The installed registers; loaded from the environment on first use by a process that did
    not open them at start-up (a test, a one-off command)."""
    return _installed if _installed is not None else open_registers(os.environ)


async def close_registers(registers: NationalRegisters) -> None:
    """Close ``registers`` and uninstall them if they are still the installed ones."""
    if _installed is registers:
        install(None)
    await registers.aclose()


async def check_subject(kind: Kind, subject: Mapping[str, Any]) -> NationalCheck:
    """What the national registers holding ``kind`` have on ``subject``; never raises for a
    register's failure (named in ``unavailable``). Audit it: ``consultation.record_check``."""
    return await installed().check(kind, subject)


def access_type_for(kind: Kind) -> AccessType:
    """How accessible information of ``kind`` is to the bureau, from the registers holding it
    (Directive (EU) 2023/977 Art. 5(1): 8 hours for urgent requests about directly accessible
    information, 3 days when indirectly accessible)."""
    return installed().access_type_for(kind)
