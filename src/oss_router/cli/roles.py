"""The process roles that consume and publish: relay, tracker, registrar, watch, worker.

Imported only when one of these commands runs (``cli`` names them lazily). They need the
runtime, not the web application: the gateway and ``migrate`` live in ``serving``.
"""

import argparse
import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import uvloop

from oss_router.config import get_settings
from oss_router.messages.codes import Channel
from oss_router.runtime import Runtime

log = logging.getLogger("oss_router")

T = TypeVar("T")


def relay(_args: argparse.Namespace) -> int:
    return _run_role("relay", lambda runtime: _async_none(runtime.start_relay()))


def tracker(_args: argparse.Namespace) -> int:
    async def start(runtime: Runtime) -> None:
        await runtime.start_tracker()
        runtime.start_watch()

    return _run_role("tracker", start)


def registrar(_args: argparse.Namespace) -> int:
    return _run_role(
        "registrar", lambda runtime: runtime.start_registrar(os.environ), registers=True
    )


def watch(_args: argparse.Namespace) -> int:
    return _run_role("watch", lambda runtime: _async_none(runtime.start_watch()))


def worker(args: argparse.Namespace) -> int:
    channel = Channel(args.channel)
    return _run_role(
        f"worker:{channel}", lambda runtime: runtime.start_workers([channel], dict(os.environ))
    )


async def _async_none(_value: object) -> None:
    return None


def _run_role(
    role: str, start: Callable[[Runtime], Awaitable[object]], *, registers: bool = False
) -> int:
    """Run one role until SIGTERM/SIGINT, then stop consuming, let in-flight work finish and be
    acknowledged (``shutdown_grace_seconds``), and exit. A second signal exits at once: what
    was not acknowledged is redelivered by the broker. The metrics port is taken before any
    work starts: a port in use stops the role before it consumes anything."""

    async def run() -> None:
        settings = get_settings()
        # A role that checks the national registers loads them first: one that cannot be
        # loaded stops the start before any connection is opened.
        runtime = await Runtime.open(settings, role, registers=os.environ if registers else None)
        _handle_signals(runtime, role)
        try:
            await runtime.start_metrics_server(role)
            await start(runtime)
            log.info("%s started", role)
            await runtime.wait_stopped()
            log.info("%s stopping", role)
        finally:
            await runtime.close()
            log.info("%s stopped", role)

    run_on_uvloop(run())
    return 0


def run_on_uvloop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop, as uvicorn runs the gateway: its polling, callbacks and socket
    transports cost less CPU per message than asyncio's own loop (decision 0011)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _handle_signals(runtime: Runtime, role: str) -> None:
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig)
        if len(received) > 1:
            log.warning("%s: second %s, exiting at once", role, sig.name)
            os._exit(128 + sig)
        log.info("%s: %s received", role, sig.name)
        runtime.request_stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
