"""The whole service in a real uvicorn server on a free loopback port, in a background thread.

For tests that need real HTTP (streaming responses, a browser): SQLite file, in-process broker,
stub adapters with the latency the caller sets, so that statuses visibly change.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.config import Settings
from oss_router.messages.codes import RECEIVING_CHANNELS, Channel
from tests.support.auth import TEST_DEV_SECRET

START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def adapter_environment(latency_ms: int) -> dict[str, str]:
    """Every stub adapter answers after ``latency_ms`` (± a quarter); the stub partners never
    answer a clarification request on their own (a page waiting for the paused clock would
    otherwise see it resume at once)."""
    latency = {
        f"OSS_ROUTER_ADAPTER_{channel.name}_LATENCY_MS": str(latency_ms) for channel in Channel
    }
    quiet = {
        f"OSS_ROUTER_ADAPTER_{channel.name}_CLARIFICATION_ANSWER_RATE": "0"
        for channel in RECEIVING_CHANNELS
    }
    return {**latency, **quiet}


class LiveServer:
    def __init__(self, app: FastAPI, port: int) -> None:
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            # Streams still open at shutdown (a browser left connected) must not hold the test.
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)


@contextmanager
def live_server(
    tmp_dir: Path,
    *,
    latency_ms: int = 300,
    customize: Callable[[FastAPI], None] | None = None,
    **overrides: Any,
) -> Iterator[LiveServer]:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_dir / 'live.db'}",
        "broker_url": "memory://",
        "retry_delays_ms": [50, 100],
        "max_attempts": 3,
        "relay_poll_seconds": 0.05,
        "adapter_timeout_seconds": 30.0,
        "dev_secret": TEST_DEV_SECRET,
        "rate_limit_per_second": 10_000,
        "rate_limit_burst": 100_000,
        "anonymous_rate_per_second": 10_000,
        "anonymous_burst": 100_000,
    }
    values.update(overrides)
    app = create_app(Settings(**values), migrate=True)
    if customize is not None:
        customize(app)
    server = LiveServer(app, free_port())
    with _environment(adapter_environment(latency_ms)):
        server.start()  # adapters read their settings at start-up only
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
