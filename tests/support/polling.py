"""Waiting for asynchronous outcomes without fixed sleeps."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

TERMINAL = {"answered", "failed", "cancelled"}


async def eventually(
    probe: Callable[[], Awaitable[Any]],
    accept: Callable[[Any], bool],
    *,
    timeout: float = 15.0,
    interval: float = 0.05,
) -> Any:
    """Call ``probe`` until ``accept`` holds for its value; fail with the last value."""
    deadline = time.monotonic() + timeout
    value = await probe()
    while not accept(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout} s; last value: {value!r}")
        await asyncio.sleep(interval)
        value = await probe()
    return value


async def until_terminal(client: httpx.AsyncClient, request_id: str, timeout: float = 15.0) -> Any:
    async def probe() -> Any:
        response = await client.get(f"/v1/requests/{request_id}")
        assert response.status_code == 200, response.text
        return response.json()

    return await eventually(probe, lambda body: body["status"] in TERMINAL, timeout=timeout)
