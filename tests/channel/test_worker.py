"""The worker runtime on the embedded broker: retries, permanent failure, dead letters, timeouts."""

import httpx
import pytest
from tests.support.payloads import request_body
from tests.support.polling import eventually, until_terminal

pytestmark = pytest.mark.usefixtures("app")


async def dead_lettered(client: httpx.AsyncClient, channel: str) -> int:
    rows = {row["channel"]: row for row in (await client.get("/v1/channels")).json()}
    return int(rows[channel]["dead_lettered"])


async def test_transient_failures_are_retried_then_answered(client: httpx.AsyncClient) -> None:
    created = (
        await client.post("/v1/requests", json=request_body(reference="stub:retriable=2"))
    ).json()

    final = await until_terminal(client, created["id"])

    assert final["status"] == "answered"
    assert final["dispatches"][0]["attempts"] == 3
    assert await dead_lettered(client, "europol") == 0


async def test_permanent_failure_is_failed_with_reason_and_dead_lettered(
    client: httpx.AsyncClient,
) -> None:
    created = (
        await client.post("/v1/requests", json=request_body(reference="stub:permanent"))
    ).json()

    final = await until_terminal(client, created["id"])

    assert final["status"] == "failed"
    (dispatch,) = final["dispatches"]
    assert dispatch["error"].startswith("permanent error")
    assert dispatch["attempts"] == 1
    await eventually(lambda: dead_lettered(client, "europol"), lambda n: n == 1)


async def test_retries_are_bounded(client: httpx.AsyncClient) -> None:
    # The test settings allow 3 attempts; the stub fails 5 times.
    created = (
        await client.post("/v1/requests", json=request_body(reference="stub:retriable=5"))
    ).json()

    final = await until_terminal(client, created["id"])

    assert final["status"] == "failed"
    assert final["dispatches"][0]["attempts"] == 3
    assert "gave up after 3 attempts" in final["dispatches"][0]["error"]
    await eventually(lambda: dead_lettered(client, "europol"), lambda n: n == 1)


async def test_an_adapter_that_never_answers_times_out_and_is_retried(
    client: httpx.AsyncClient,
) -> None:
    # adapter_timeout_seconds is 2 s in the test settings; the stub sleeps 5 s every time.
    created = (
        await client.post("/v1/requests", json=request_body(reference="stub:slow=5000"))
    ).json()

    final = await until_terminal(client, created["id"], timeout=30)

    assert final["status"] == "failed"
    assert "did not answer within 2 s" in final["dispatches"][0]["error"]
