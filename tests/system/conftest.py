"""Fixtures of the end-to-end proofs: a fresh database, a fresh virtual host, the processes."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.deployment import Deployment, deployment_on
from tests.support.rabbitmq import fresh_vhost
from tests.support.services import fresh_postgres_database


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    """Migrated, nothing started: each test starts the processes its scenario needs."""
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            with deployment_on(database_url, broker_url, tmp_path / "logs") as deployed:
                yield deployed
