"""A register client made in the test: its answer, its delay and its failure chosen there."""

import asyncio
from collections.abc import Mapping
from typing import Any

from oss_router.messages.codes import AccessType, Kind
from oss_router.registers.contract import RegisterHit


class FakeRegister:
    def __init__(
        self,
        name: str,
        kinds: frozenset[Kind] = frozenset({Kind.PERSON}),
        *,
        access_type: AccessType = AccessType.DIRECT,
        delay: float = 0.0,
        error: Exception | None = None,
        answer: Any = None,
    ) -> None:
        self._name, self._kinds, self._access_type = name, kinds, access_type
        self.delay, self.error = delay, error
        self.answer = answer
        self.asked: list[tuple[Kind, Mapping[str, Any]]] = []
        self.closed = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def kinds(self) -> frozenset[Kind]:
        return self._kinds

    @property
    def access_type(self) -> AccessType:
        return self._access_type

    async def check(self, kind: Kind, subject: Mapping[str, Any]) -> list[RegisterHit]:
        self.asked.append((kind, subject))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return self.answer  # type: ignore[no-any-return]
        return [RegisterHit(register=self.name, record_reference=f"{self.name}-1",
                            summary="A record", match="exact")]  # fmt: skip

    async def health(self) -> bool:
        return True

    async def aclose(self) -> None:
        self.closed += 1
