"""The multi-process deployment (gateway, relay, tracker, one worker per channel) as OS processes
on PostgreSQL and RabbitMQ, for the end-to-end proofs and the benchmark.

Every process is ``python -m oss_router.cli.main <role>`` with its own log file; a test can kill,
stop and start them. Teardown always kills whatever is still running.
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from oss_router.auth.principal import Role
from oss_router.broker.rabbitmq import RabbitBroker
from oss_router.broker.topology import RESULTS_QUEUE, dispatch_queue
from oss_router.config import Settings
from oss_router.messages.codes import Channel
from tests.support.auth import TEST_DEV_SECRET, auth_headers

STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def base_environment(database_url: str, broker_url: str, port: int) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("OSS_ROUTER_")
    }
    environment.update(
        {
            "OSS_ROUTER_DATABASE_URL": database_url,
            "OSS_ROUTER_BROKER_URL": broker_url,
            "OSS_ROUTER_HOST": "127.0.0.1",
            "OSS_ROUTER_PORT": str(port),
            "OSS_ROUTER_LOG_LEVEL": "INFO",
            "OSS_ROUTER_RETRY_DELAYS_MS": "[100, 200]",
            "OSS_ROUTER_SHUTDOWN_GRACE_SECONDS": "5",
            "OSS_ROUTER_METRICS_PORT": "0",  # many roles on one host: no fixed metrics port
            # Tokens from the development issuer with the tests' secret (``officer_headers``);
            # limits far above what a proof or the benchmark sends.
            "OSS_ROUTER_DEV_SECRET": TEST_DEV_SECRET,
            "OSS_ROUTER_RATE_LIMIT_PER_SECOND": "100000",
            "OSS_ROUTER_RATE_LIMIT_BURST": "1000000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for channel in Channel:
        environment[f"OSS_ROUTER_ADAPTER_{channel.name}_LATENCY_MS"] = "0"
    return environment


@dataclass
class Deployment:
    database_url: str
    broker_url: str
    log_dir: Path
    port: int = field(default_factory=free_port)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def officer_headers(self) -> dict[str, str]:
        """A bearer token the deployment's gateway accepts (its development issuer)."""
        return auth_headers(Settings(dev_secret=TEST_DEV_SECRET), Role.OFFICER, "bench-officer")

    @property
    def environment(self) -> dict[str, str]:
        return {
            **base_environment(self.database_url, self.broker_url, self.port),
            **self.extra_env,
        }

    def run(self, *args: str) -> None:
        """Run a one-shot command (``migrate``) to completion."""
        done = self.command(*args)
        if done.returncode != 0:
            raise RuntimeError(f"oss-router {' '.join(args)} failed: {done.stderr}")

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``oss-router <args>`` to completion with the deployment's settings."""
        return subprocess.run(
            [sys.executable, "-m", "oss_router.cli.main", *args],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
            check=False,
        )

    def start(self, name: str, *args: str, env: Mapping[str, str] | None = None) -> None:
        """Start ``oss-router <args>`` as the process called ``name``."""
        if name in self.processes and self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is already running")
        log = (self.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "oss_router.cli.main", *args],
            env={**self.environment, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def start_all(
        self, *, relays: int = 1, trackers: int = 1, channels: list[Channel] | None = None
    ) -> None:
        """Gateway, relays, trackers and one worker per channel (default: every channel)."""
        self.start("gateway", "gateway")
        for index in range(relays):
            self.start(f"relay-{index}", "relay")
        for index in range(trackers):
            self.start(f"tracker-{index}", "tracker")
        for channel in channels or list(Channel):
            self.start(f"worker-{channel}", "worker", "--channel", str(channel))

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to settle anything."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def terminate(self, name: str, timeout: float = 30) -> int:
        """SIGTERM and wait: the graceful shutdown path. Returns the exit code."""
        process = self.processes[name]
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def running(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is None]

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def dump_logs(self) -> None:
        """Print every log's tail (pytest shows it when the test failed)."""
        for name in self.processes:
            print(f"----- {name} -----\n{self.log_tail(name)}")

    # -- readiness -----------------------------------------------------------------------------

    async def wait_ready(self, queues: list[str] | None = None) -> None:
        """Until the gateway is ready and every queue has a consumer."""
        await self.wait_gateway()
        await wait_consumers(self.broker_url, queues or default_queues())

    async def wait_gateway(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            while True:
                self._check_alive()
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise AssertionError(f"gateway not ready:\n{self.log_tail('gateway')}")
                await asyncio.sleep(0.1)

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None and process.returncode not in (0, -9):
                raise AssertionError(f"{name} exited {process.returncode}:\n{self.log_tail(name)}")


def default_queues() -> list[str]:
    return [*(dispatch_queue(channel) for channel in Channel), RESULTS_QUEUE]


async def consumers(broker_url: str, queues: list[str]) -> dict[str, int]:
    """How many consumers each queue has now (seen from a fresh connection)."""
    broker = RabbitBroker(broker_url, connection_name="oss-router test probe")
    await broker.connect()
    try:
        return {queue: (await broker.queue_stats(queue)).consumers for queue in queues}
    finally:
        await broker.close()


async def queue_messages(broker_url: str, queue: str) -> int:
    broker = RabbitBroker(broker_url, connection_name="oss-router test probe")
    await broker.connect()
    try:
        return (await broker.queue_stats(queue)).messages
    finally:
        await broker.close()


async def wait_consumers(broker_url: str, queues: list[str], minimum: int = 1) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        counts: dict[str, int] = {}
        with contextlib.suppress(Exception):
            counts = await consumers(broker_url, queues)
        if counts and all(count >= minimum for count in counts.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"consumers missing: {counts}")
        await asyncio.sleep(0.2)


@contextlib.contextmanager
def deployment_on(
    database_url: str,
    broker_url: str,
    log_dir: Path,
    extra_env: Mapping[str, str] | None = None,
    *,
    dump_logs: bool = True,
) -> Iterator[Deployment]:
    """A migrated database and a deployment object whose processes are killed at the end
    (and whose log tails are printed then, for a failing test, unless ``dump_logs`` is off)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    deployed = Deployment(database_url, broker_url, log_dir, extra_env=dict(extra_env or {}))
    deployed.run("migrate")
    try:
        yield deployed
    finally:
        deployed.close()
        if dump_logs:
            deployed.dump_logs()
