"""Small asyncio helpers shared by the long-running loops."""

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any


async def first_completed(*awaitables: Awaitable[Any]) -> int:
    """Wait until one of ``awaitables`` completes; return its index and cancel the others."""
    tasks = [asyncio.ensure_future(awaitable) for awaitable in awaitables]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return next(index for index, task in enumerate(tasks) if task in done)


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``event``; whether it is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
    return event.is_set()
