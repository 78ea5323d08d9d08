"""Shared fixtures for the routing policy tests: the packaged policy and a query builder."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from oss_router.messages.codes import Kind
from oss_router.routing import RoutingPolicy, RoutingQuery, load_policy

RECEIVED = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
# Policy v2 uses the Prüm connections from their date (prum_connections.json): 2026-11-21.
AFTER_PRUM = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

QueryFactory = Callable[..., RoutingQuery]


@pytest.fixture(scope="session")
def policy() -> RoutingPolicy:
    return load_policy()


@pytest.fixture
def make_query() -> QueryFactory:
    def make(*targets: str, **fields: Any) -> RoutingQuery:
        fields.setdefault("kind", Kind.PERSON)
        fields.setdefault("received_at", RECEIVED)
        return RoutingQuery(target_countries=targets, **fields)

    return make
