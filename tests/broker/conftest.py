"""The broker under test: every contract test runs on the in-process broker and on RabbitMQ."""

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from oss_router.broker.contract import Broker
from oss_router.broker.memory import MemoryBroker
from oss_router.broker.rabbitmq import RabbitBroker
from tests.support.rabbitmq import fresh_vhost


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """One private virtual host for the session's broker tests (names are unique per test)."""
    with fresh_vhost() as url:
        yield url


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    implementation: Broker
    if request.param == "memory":
        implementation = MemoryBroker()
    else:
        implementation = RabbitBroker(request.getfixturevalue("rabbitmq_url"))
    await implementation.connect()
    assert implementation.is_connected
    try:
        yield implementation
    finally:
        await implementation.close()


@pytest.fixture
def prefix() -> str:
    """Names of this test's exchanges and queues: unique, so tests never see each other's."""
    return f"t{uuid.uuid4().hex[:10]}"
