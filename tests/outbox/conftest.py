from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from oss_router.broker.contract import Broker, OutgoingMessage, PublishError
from oss_router.config import Settings
from oss_router.runtime import Runtime
from tests.conftest import make_settings
from tests.support.services import fresh_postgres_database
from tests.support.staging import open_runtime


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as opened:
        yield opened


@pytest.fixture
async def sqlite_runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'oss_router.db'}")
    async with open_runtime(settings) as opened:
        yield opened


@pytest.fixture
async def postgres_runtime() -> AsyncIterator[Runtime]:
    async with fresh_postgres_database() as url, open_runtime(make_settings(url)) as opened:
        yield opened


class FlakyBroker:
    """Wraps a broker; while ``down`` every publish fails as if RabbitMQ were unreachable."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner
        self.down = False
        self.refused = 0
        self.published: list[OutgoingMessage] = []

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        if self.down:
            self.refused += 1
            raise PublishError("RabbitMQ is not connected")
        await self.inner.publish(messages)
        self.published.extend(messages)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)
