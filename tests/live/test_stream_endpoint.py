"""``GET /v1/stream`` over real HTTP (uvicorn): intake and channel progress arrive live."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from tests.support.live_server import LiveServer, live_server
from tests.support.payloads import request_body
from tests.support.sse import Event, events
from tests.support.stand_in_auth import DEV_TOKEN_PATH, stand_in_issuer

STREAM_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        tmp_path_factory.mktemp("stream"), latency_ms=50, customize=stand_in_issuer
    ) as running:
        yield running


async def token(client: httpx.AsyncClient, role: str, unit: str | None = None) -> dict[str, str]:
    body = {"role": role, "subject": f"{role}.{unit or 'desk'}", "unit": unit}
    response = await client.post(DEV_TOKEN_PATH, json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        client.headers.update(await token(client, "officer"))
        yield client


async def until(stream: AsyncIterator[Event], accept: Any) -> list[Event]:
    """Read events until ``accept(event)``; return all read, the accepted one last."""
    seen = []
    async with asyncio.timeout(STREAM_TIMEOUT):
        async for item in stream:
            seen.append(item)
            if accept(item):
                return seen
    raise AssertionError(f"stream ended before the expected event; read {seen}")


async def test_stream_is_an_event_stream_that_starts_ready(http: httpx.AsyncClient) -> None:
    async with http.stream("GET", "/v1/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        first = await until(events(response), lambda _: True)
        assert first == [Event("ready", {})]


async def test_a_new_request_and_its_progress_arrive_live(http: httpx.AsyncClient) -> None:
    async with http.stream("GET", "/v1/stream") as response:
        stream = events(response)
        await until(stream, lambda item: item.name == "ready")
        created = await http.post("/v1/requests", json=request_body("vehicle"))
        assert created.status_code == 202, created.text
        request_id = created.json()["id"]

        def answered(item: Event) -> bool:
            return item.data.get("request_id") == request_id and (
                item.data["request_status"] == "answered"
            )

        seen = [item for item in await until(stream, answered) if item.name == "status"]
    mine = [item.data for item in seen if item.data["request_id"] == request_id]
    assert mine[0]["request_status"] == "queued"  # the gateway's intake notice comes first
    assert mine[0]["dispatch_id"] is None
    dispatch_statuses = [item["dispatch_status"] for item in mine[1:]]
    assert dispatch_statuses[-1] == "answered"
    assert set(dispatch_statuses) <= {"delivered", "answered"}
    assert "subject" not in mine[-1]  # notices carry no personal data


async def test_a_cancellation_arrives_live(http: httpx.AsyncClient) -> None:
    body = request_body("person", reference="stub:slow=20000")
    created = await http.post("/v1/requests", json=body)
    request_id = created.json()["id"]
    async with http.stream("GET", "/v1/stream") as response:
        stream = events(response)
        await until(stream, lambda item: item.name == "ready")
        cancelled = await http.post(
            f"/v1/requests/{request_id}/cancel", json={"reason": "subject located"}
        )
        assert cancelled.status_code == 200, cancelled.text
        seen = await until(
            stream,
            lambda item: (
                item.data.get("request_id") == request_id
                and item.data["request_status"] == "cancelled"
            ),
        )
    assert seen[-1].name == "status"


async def test_a_refused_request_announces_nothing(http: httpx.AsyncClient) -> None:
    async with http.stream("GET", "/v1/stream") as response:
        stream = events(response)
        await until(stream, lambda item: item.name == "ready")
        refused = await http.post("/v1/requests", json=request_body(target_countries=["PL"]))
        assert refused.status_code == 422
        marker = await http.post("/v1/requests", json=request_body("document"))
        marker_id = marker.json()["id"]
        seen = await until(stream, lambda item: item.data.get("request_id") == marker_id)
    # The first notice after the refusal is the marker's: the refused one was never announced.
    assert [item.data["request_id"] for item in seen if item.name == "status"] == [marker_id]


async def test_a_pccc_hears_only_of_its_own_units_requests(http: httpx.AsyncClient) -> None:
    swiecko = await token(http, "pccc", "pccc-swiecko")
    slubice = await token(http, "pccc", "pccc-slubice")
    async with http.stream("GET", "/v1/stream", headers=swiecko) as response:
        stream = events(response)
        await until(stream, lambda item: item.name == "ready")
        for headers in (http.headers, slubice):  # the desk's and another unit's: never heard
            other = await http.post("/v1/requests", json=request_body("vehicle"), headers=headers)
            assert other.status_code == 202, other.text
        own = await http.post("/v1/requests", json=request_body("document"), headers=swiecko)
        own_id = own.json()["id"]
        seen = await until(
            stream,
            lambda item: (
                item.data.get("request_id") == own_id and item.data["request_status"] == "answered"
            ),
        )
    assert {item.data["request_id"] for item in seen if item.name == "status"} == {own_id}


async def test_the_stream_needs_a_token(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as anonymous:
        response = await anonymous.get("/v1/stream")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
