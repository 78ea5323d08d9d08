"""``oss-router simulate inbound`` against the embedded service: the command reaches the running
process through its authenticated endpoint, and the requests are registered there."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from oss_router.auth.principal import Role
from tests.support.auth import TEST_DEV_SECRET, auth_headers
from tests.support.live_server import live_server


def simulate(port: int, *argv: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OSS_ROUTER_")}
    environment |= {
        "OSS_ROUTER_PORT": str(port),
        "OSS_ROUTER_DEV_SECRET": TEST_DEV_SECRET,
        "OSS_ROUTER_BROKER_URL": "memory://",
    }
    return subprocess.run(
        [sys.executable, "-m", "oss_router.cli.main", "simulate", "inbound", *argv],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_reaches_the_running_embedded_service(tmp_path: Path) -> None:
    with live_server(tmp_path, latency_ms=0) as server:
        done = simulate(server.port, "--channel", "pccc", "--count", "3", "--urgent")
        assert done.returncode == 0, done.stderr
        assert "the pccc partner sends 3 request(s)" in done.stdout
        headers = auth_headers(server.app, Role.OFFICER)
        deadline = time.monotonic() + 30
        items: list[dict[str, object]] = []
        while len(items) < 3 and time.monotonic() < deadline:
            response = httpx.get(f"{server.url}/v1/inbound", headers=headers, timeout=10)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            time.sleep(0.1)
    assert len(items) == 3
    assert {item["channel"] for item in items} == {"pccc"}
    assert {item["urgency"] for item in items} == {"urgent"}


def test_without_a_running_service_it_says_so(tmp_path: Path) -> None:
    from tests.support.live_server import free_port

    done = simulate(free_port(), "--channel", "sirene", "--count", "1")
    assert done.returncode == 1
    assert "the service is not running" in done.stderr


def test_a_bad_count_is_refused_by_the_command_line() -> None:
    done = simulate(8000, "--channel", "sirene", "--count", "0")
    assert done.returncode == 2
    assert "not a whole number from 1 to 1000" in done.stderr
