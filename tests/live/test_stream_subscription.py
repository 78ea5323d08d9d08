"""When the gateway follows the status exchange: only while a stream listens (decision 0035),
and a stream the broker cannot serve is refused with a problem, not opened deaf."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.broker.contract import BrokerError
from oss_router.live.feed import LiveFeed


async def test_a_gateway_with_no_stream_open_does_not_consume_notices(app: FastAPI) -> None:
    feed: LiveFeed = app.state.live_feed
    assert not feed.consuming


async def test_a_stream_the_broker_cannot_serve_is_a_503_problem(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(*_: Any, **__: Any) -> Any:
        raise BrokerError("connection refused")

    monkeypatch.setattr(app.state.runtime.broker, "subscribe", unreachable)
    response = await client.get("/v1/stream")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert "message broker cannot be reached" in response.json()["detail"]
    assert not app.state.live_feed.consuming
