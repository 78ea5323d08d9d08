"""``GET /v1/channels``: what the overview reports, and what it costs."""

from typing import Any

import httpx
import pytest

from oss_router.channel import registry
from oss_router.messages.codes import Channel

pytestmark = pytest.mark.usefixtures("app")


async def test_the_installed_adapters_are_looked_up_once_not_on_every_call(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app's start-up has looked them up; scanning the entry points again would be counted.
    scans: list[str] = []

    def entry_points(*, group: str) -> list[Any]:
        scans.append(group)
        return []

    monkeypatch.setattr(registry, "entry_points", entry_points)

    for _ in range(3):
        rows = (await client.get("/v1/channels")).json()
        assert {row["channel"]: row["adapter_loaded"] for row in rows} == dict.fromkeys(
            Channel, True
        )
    assert scans == []


def test_an_adapter_that_cannot_be_loaded_is_reported_not_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        name, value = "sirene", "broken:create_adapter"

        def load(self) -> object:
            raise ImportError("no module named broken")

    monkeypatch.setattr(registry, "entry_points", lambda *, group: [Broken()])
    registry.installed_channels.cache_clear()
    try:
        assert registry.installed_channels() == frozenset()
    finally:
        registry.installed_channels.cache_clear()
