"""Submitting requests over HTTP and waiting for their outcome, concurrently."""

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import httpx

from tests.support.accounting import TERMINAL
from tests.support.payloads import request_body

# Request shapes that, together, reach every channel (docs/routing.md, rules R1-R6).
SHAPES: list[dict[str, Any]] = [
    {"target_countries": ["DE"], "sis_alert_id": "SIS-PL-2026-000123"},  # sirene
    {"target_countries": ["CZ"], "border_area": True},  # pccc
    {"target_countries": ["FR"]},  # europol
    {"target_countries": ["TR"]},  # liaison_officer
    {"target_countries": ["BR"]},  # interpol
    {"target_countries": ["FR", "TR", "BR"]},  # europol + liaison_officer + interpol
]


def varied_body(index: int, **overrides: Any) -> dict[str, Any]:
    """The index-th request of a mixed workload; subjects differ (no duplicate warnings)."""
    body = request_body("person", **SHAPES[index % len(SHAPES)])
    body["subject"] = {**body["subject"], "family_name": f"Kowalski-{index}"}
    body.update(overrides)
    return body


async def submit(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await client.post("/v1/requests", json=body)
    assert response.status_code == 202, response.text
    request_id: str = response.json()["id"]
    return request_id


async def submit_all(
    client: httpx.AsyncClient, bodies: Iterable[dict[str, Any]], concurrency: int = 16
) -> list[str]:
    limit = asyncio.Semaphore(concurrency)

    async def one(body: dict[str, Any]) -> str:
        async with limit:
            return await submit(client, body)

    return list(await asyncio.gather(*(one(body) for body in bodies)))


async def read(client: httpx.AsyncClient, request_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/requests/{request_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def wait_terminal(
    client: httpx.AsyncClient, request_ids: list[str], timeout: float = 120.0
) -> list[dict[str, Any]]:
    """Every request as read once it is terminal; fails naming those that are not."""
    deadline = time.monotonic() + timeout
    done: dict[str, dict[str, Any]] = {}
    limit = asyncio.Semaphore(16)

    async def probe(request_id: str) -> None:
        async with limit:
            body = await read(client, request_id)
        if body["status"] in TERMINAL:
            done[request_id] = body

    while True:
        await asyncio.gather(*(probe(rid) for rid in request_ids if rid not in done))
        if len(done) == len(request_ids):
            return [done[request_id] for request_id in request_ids]
        if time.monotonic() > deadline:
            missing = [rid for rid in request_ids if rid not in done][:10]
            raise AssertionError(
                f"{len(request_ids) - len(done)} requests not terminal after {timeout} s: {missing}"
            )
        await asyncio.sleep(0.25)
