"""The process roles as real OS processes: several roles on one host with the default settings,
and a port in use as a one-line error naming the setting (issue 11)."""

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from oss_router.config import DEFAULT_METRICS_PORTS, Settings
from oss_router.messages.codes import Channel
from tests.support.deployment import Deployment, base_environment, deployment_on, free_port
from tests.support.rabbitmq import fresh_vhost
from tests.support.services import fresh_postgres_database

STARTUP_SECONDS = 60.0


def test_every_role_without_a_web_server_has_its_own_metrics_port() -> None:
    ports = list(DEFAULT_METRICS_PORTS.values())
    assert len(set(ports)) == len(ports)
    assert set(DEFAULT_METRICS_PORTS) == {
        "relay",
        "tracker",
        "watch",
        "registrar",
        *(f"worker:{channel}" for channel in Channel),
    }
    assert Settings().port not in ports


def test_an_explicit_metrics_port_applies_to_every_role() -> None:
    assert Settings().metrics_port_of("worker:pccc") == DEFAULT_METRICS_PORTS["worker:pccc"]
    assert Settings(metrics_port=9200).metrics_port_of("relay") == 9200
    assert Settings(metrics_port=0).metrics_port_of("tracker") == 0


def _defaults_environment(database_url: str, broker_url: str) -> dict[str, str]:
    environment = base_environment(database_url, broker_url, free_port())
    del environment["OSS_ROUTER_METRICS_PORT"]  # the point: the defaults
    return environment


def _require_free(ports: list[int]) -> None:
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the roles bind
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                pytest.skip(f"port {port} is in use on this host (another run of this test?)")


async def _ready(port: int) -> bool:
    async with httpx.AsyncClient() as client:
        try:
            return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
        except httpx.TransportError:
            return False


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    """Migrated, nothing started."""
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            with deployment_on(database_url, broker_url, tmp_path / "logs") as deployed:
                yield deployed


@pytest.mark.postgres
@pytest.mark.rabbitmq
@pytest.mark.slow
async def test_several_roles_run_on_one_host_with_the_default_settings(
    deployment: Deployment,
) -> None:
    roles = {
        "relay": ["relay"],
        "tracker": ["tracker"],
        "worker:pccc": ["worker", "--channel", "pccc"],
    }
    ports = {role: DEFAULT_METRICS_PORTS[role] for role in roles}
    _require_free(list(ports.values()))
    environment = _defaults_environment(deployment.database_url, deployment.broker_url)
    for role, argv in roles.items():
        with (deployment.log_dir / f"{role}.log").open("ab") as log:
            deployment.processes[role] = subprocess.Popen(
                [sys.executable, "-m", "oss_router.cli.main", *argv],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = dict(ports)
    while waiting and time.monotonic() < deadline:
        for role, port in list(waiting.items()):
            assert deployment.processes[role].poll() is None, deployment.log_tail(role)
            if await _ready(port):
                del waiting[role]
        await asyncio.sleep(0.2)
    assert waiting == {}, {role: deployment.log_tail(role) for role in waiting}
    assert deployment.running() == list(roles)


def _run_with_port_taken(argv: list[str], setting: str, tmp_path: Path) -> tuple[int, str, int]:
    """Run ``oss-router argv`` while another socket listens on the port ``setting`` names."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = base_environment(f"sqlite+aiosqlite:///{tmp_path / 'db'}", "memory://", 1)
        environment[setting] = str(port)
        environment["OSS_ROUTER_DEV_SECRET"] = "s" * 40
        done = subprocess.run(
            [sys.executable, "-m", "oss_router.cli.main", *argv],
            env=environment,
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
            check=False,
        )
    return done.returncode, done.stderr, port


@pytest.mark.parametrize(
    ("argv", "setting"),
    [
        (["relay"], "OSS_ROUTER_METRICS_PORT"),
        (["worker", "--channel", "sirene"], "OSS_ROUTER_METRICS_PORT"),
        (["gateway"], "OSS_ROUTER_PORT"),
    ],
)
def test_a_port_in_use_is_a_one_line_error_naming_the_setting(
    argv: list[str], setting: str, tmp_path: Path
) -> None:
    code, stderr, port = _run_with_port_taken(argv, setting, tmp_path)
    assert code == 69  # EX_UNAVAILABLE
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last == (
        f"oss-router cannot start: cannot listen on 127.0.0.1:{port} (Address already in use): "
        f"set {setting} to a free port"
    )
