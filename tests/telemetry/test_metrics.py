"""Prometheus metrics: every documented name is exposed, and the counters move with the work."""

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.support.metrics import sample
from tests.support.payloads import request_body
from tests.support.polling import eventually, until_terminal

from oss_router.telemetry.server import MetricsServer

OPERATIONS_DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def documented_metric_names() -> set[str]:
    """The metric names of docs/operations.md (first column of its metrics table)."""
    text = OPERATIONS_DOC.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `(oss_router_[a-z_]+)`", text, flags=re.MULTILINE))


def exposed_families(exposition: str) -> set[str]:
    """Metric names as documented: counters with their ``_total`` suffix."""
    return {
        family.name + ("_total" if family.type == "counter" else "")
        for family in text_string_to_metric_families(exposition)
    }


async def test_gateway_exposes_every_documented_metric(client: httpx.AsyncClient) -> None:
    documented = documented_metric_names()
    assert len(documented) >= 15, "docs/operations.md lists the metric names"

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = exposed_families(response.text)
    ours = {name for name in families if name.startswith("oss_router_")}
    assert documented == ours, "docs/operations.md and /metrics disagree"
    assert "process_resident_memory_bytes" in families


def request_figures() -> dict[str, float]:
    return {
        "requests": sample(
            "oss_router_requests_total", kind="vehicle", urgency="normal", origin="desk"
        ),
        "answered": sample(
            "oss_router_dispatches_total", kind="vehicle", channel="europol", status="answered"
        ),
        "answer_time": sample("oss_router_answer_seconds_count", channel="europol"),
        "intake": sample("oss_router_intake_duration_seconds_count", status="202"),
        "published": sample("oss_router_outbox_published_total"),
        "applied": sample("oss_router_results_total", outcome="applied"),
        "http": sample(
            "oss_router_http_requests_total",
            method="GET",
            route="/v1/requests/{request_id}",
            status="200",
        ),
    }


async def test_counters_and_histograms_move_with_one_request(client: httpx.AsyncClient) -> None:
    before = request_figures()
    before_ignored = sample("oss_router_results_total", outcome="ignored")
    created = await client.post("/v1/requests", json=request_body("vehicle"))
    assert created.status_code == 202, created.text
    assert (await until_terminal(client, created.json()["id"]))["status"] == "answered"

    # Counters move just after the commits the test can observe; wait for the last of them.
    # A quick answer carries "delivered" (one result message; decision 0011).
    async def figures() -> dict[str, float]:
        return request_figures()

    after = await eventually(
        figures,
        lambda now: (
            now["applied"] + sample("oss_router_results_total", outcome="ignored")
            >= before["applied"] + before_ignored + 1
            and now["answer_time"] > before["answer_time"]
        ),
    )
    assert after["requests"] == before["requests"] + 1
    assert after["answered"] == before["answered"] + 1
    assert after["answer_time"] == before["answer_time"] + 1
    assert after["intake"] == before["intake"] + 1
    assert after["published"] >= before["published"] + 1
    assert after["applied"] >= before["applied"] + 1  # "delivered" may arrive late: ignored
    assert after["http"] > before["http"]


async def test_retries_and_dead_letters_are_counted(client: httpx.AsyncClient) -> None:
    retries = sample("oss_router_retries_total", channel="europol")
    dead = sample("oss_router_dead_letters_total", channel="europol")
    body = request_body(reference="stub:retriable=9")  # more failures than max_attempts (3)
    created = await client.post("/v1/requests", json=body)
    assert created.status_code == 202, created.text

    assert (await until_terminal(client, created.json()["id"]))["status"] == "failed"

    async def dead_letters() -> float:
        return sample("oss_router_dead_letters_total", channel="europol")

    assert await eventually(dead_letters, lambda value: value >= dead + 1) == dead + 1
    assert sample("oss_router_retries_total", channel="europol") == retries + 2
    response = await client.get("/metrics")
    queue = {"queue": "oss_router.dead.europol"}
    assert sample("oss_router_queue_messages", **queue) >= 1, response.text[:200]


async def test_outbox_gauges_show_the_backlog_and_its_age(client: httpx.AsyncClient) -> None:
    await client.get("/metrics")
    assert sample("oss_router_outbox_backlog") >= 0
    assert sample("oss_router_outbox_oldest_age_seconds") >= 0
    assert sample("oss_router_queue_consumers", queue="oss_router.dispatch.europol") == 1


@dataclass
class Probe:
    ready: bool = True
    refreshed: int = 0

    async def refresh(self) -> None:
        self.refreshed += 1


@pytest.fixture
async def served() -> AsyncIterator[tuple[MetricsServer, Probe]]:
    probe = Probe()
    server = MetricsServer("127.0.0.1", 0, refresh=probe.refresh, ready=lambda: probe.ready)
    await server.start()
    yield server, probe
    await server.close()


async def test_role_metrics_server_serves_metrics_health_and_readiness(
    served: tuple[MetricsServer, Probe],
) -> None:
    server, probe = served
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        metrics = await http.get("/metrics")
        assert metrics.status_code == 200
        assert "oss_router_outbox_backlog" in exposed_families(metrics.text)
        assert probe.refreshed == 1
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200
        probe.ready = False
        assert (await http.get("/readyz")).status_code == 503
        assert (await http.get("/elsewhere")).status_code == 404
        assert (await http.post("/metrics")).status_code == 405


async def test_role_metrics_server_survives_garbage(served: tuple[MetricsServer, Probe]) -> None:
    server, _probe = served
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"\x00\xff garbage\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400")
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{server.port}/healthz")
        assert response.status_code == 200
