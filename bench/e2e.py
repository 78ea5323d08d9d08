"""End-to-end benchmark of the multi-process deployment on PostgreSQL + RabbitMQ.

    .venv/bin/python -m bench.e2e [--requests 2000] [--concurrency 64] [--rate 300] [--seconds 10]

Starts its own deployment (fresh database and RabbitMQ virtual host; gateway, relay, tracker and
one worker per channel as separate processes, zero-latency stub adapters), then:

1. throughput: submits ``--requests`` requests over HTTP with ``--concurrency`` in flight and
   prints accepted/s (intake) and completed/s (first submission to last terminal status);
2. intake latency: offers ``--rate`` requests per second for ``--seconds`` (open loop: a request
   is sent at its scheduled time whether or not earlier ones returned) and prints p50/p99 of
   the ``POST /v1/requests`` latency.

It prints figures; it asserts nothing (progress goes to stderr as it runs).
``--relays``/``--trackers``/``--gateways`` start more processes of a role (extra gateways
listen on their own ports; the client spreads requests over them round robin, as a load
balancer would).
"""

import argparse
import asyncio
import contextlib
import os
import re
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tests.support.deployment import Deployment, deployment_on, free_port
from tests.support.rabbitmq import fresh_vhost
from tests.support.services import fresh_postgres_database
from tests.support.traffic import varied_body

from oss_router.progress import Progress

TERMINAL_SQL = (
    "SELECT count(*) FROM exchange_requests"
    " WHERE reference LIKE :tag AND status IN ('answered', 'failed', 'cancelled')"
)


DISPATCHES_SQL = (
    "SELECT count(*) FROM dispatches JOIN exchange_requests"
    " ON exchange_requests.id = dispatches.request_id WHERE reference LIKE :tag"
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=300.0, help="offered req/s, latency phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency phase")
    parser.add_argument("--gateways", type=int, default=1)
    parser.add_argument("--relays", type=int, default=1)
    parser.add_argument("--trackers", type=int, default=1)
    parser.add_argument("--logs", type=Path, default=Path("var/bench-logs"))
    return parser.parse_args()


class Clients:
    """One HTTP client per gateway process; requests go round robin.

    aiohttp, not httpx: on this project's machines an httpx client spent about 3.5 ms of CPU
    per request (more than the gateway's own share, on the two cores the deployment it
    measures runs on); aiohttp spends about 0.2 ms (README "Performance").
    """

    def __init__(self, base_urls: list[str], connections: int, headers: dict[str, str]) -> None:
        self._clients = [
            aiohttp.ClientSession(
                base_url=url,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
                connector=aiohttp.TCPConnector(limit=connections),
            )
            for url in base_urls
        ]
        self._turn = 0

    def next(self) -> aiohttp.ClientSession:
        self._turn += 1
        return self._clients[self._turn % len(self._clients)]

    async def close(self) -> None:
        for client in self._clients:
            await client.close()


async def post(clients: Clients, body: dict[str, Any]) -> float:
    """Latency of one accepted request, in seconds (a retry after a dropped keep-alive
    connection counts in it; the Idempotency-Key makes the retry safe)."""
    headers = {"Idempotency-Key": body["reference"]}
    started = time.perf_counter()
    try:
        status, text = await send(clients.next(), body, headers)
    except aiohttp.ClientConnectionError:
        status, text = await send(clients.next(), body, headers)
    elapsed = time.perf_counter() - started
    if status != 202:
        raise RuntimeError(f"{status}: {text}")
    return elapsed


async def send(
    client: aiohttp.ClientSession, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, str]:
    async with client.post("/v1/requests", json=body, headers=headers) as response:
        return response.status, await response.text()


def bodies(tag: str, count: int, offset: int = 0) -> list[dict[str, Any]]:
    return [varied_body(offset + index, reference=f"{tag}-{index}") for index in range(count)]


async def throughput(
    clients: Clients, engine: AsyncEngine, count: int, concurrency: int
) -> dict[str, float]:
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    limit = asyncio.Semaphore(concurrency)
    progress = Progress(f"throughput: {count} requests accepted", total=count)

    async def one(body: dict[str, Any]) -> float:
        async with limit:
            latency = await post(clients, body)
        progress.advance()
        return latency

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one(body) for body in bodies(tag, count)))
    progress.finish()
    accepted = time.perf_counter()
    await all_terminal(engine, tag, count)
    completed = time.perf_counter()
    return {
        "requests": count,
        "accepted_per_s": count / (accepted - started),
        "completed_per_s": count / (completed - started),
        "intake_p50_ms": percentile(latencies, 50) * 1000,
        "intake_p99_ms": percentile(latencies, 99) * 1000,
        "dispatches_per_request": await dispatches(engine, tag) / count,
    }


async def all_terminal(engine: AsyncEngine, tag: str, count: int) -> None:
    while True:
        if await terminal(engine, tag) >= count:
            return
        await asyncio.sleep(0.05)


async def terminal(engine: AsyncEngine, tag: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(TERMINAL_SQL), {"tag": f"{tag}-%"})).scalar())


async def dispatches(engine: AsyncEngine, tag: str) -> int:
    async with engine.connect() as connection:
        result = await connection.execute(text(DISPATCHES_SQL), {"tag": f"{tag}-%"})
        return int(result.scalar())


async def open_loop(
    clients: Clients,
    engine: AsyncEngine,
    rate: float,
    seconds: float,
    meter: "CpuMeter | None" = None,
) -> dict[str, float]:
    """Latency at an offered rate and, with a meter (by default the last ``CpuMeter`` made, so
    that the shared peer driver measures both sides alike), the CPU per request of every
    process over the steady part of the loop: from ``settle_seconds(seconds)`` after the
    start to the last scheduled send, divided by the requests scheduled in that window (the
    idle work of the processes, their polling and timers, counts: it is what a steady low
    rate pays)."""
    meter = meter or CpuMeter.latest
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    count = int(rate * seconds)
    scheduled = bodies(tag, count, offset=1_000_000)
    progress = Progress(f"open loop: {rate:g}/s offered, accepted", total=count)
    started = time.perf_counter()

    async def at(index: int, body: dict[str, Any]) -> float:
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        latency = await post(clients, body)
        progress.advance()
        return latency

    async def measure() -> dict[str, float]:
        if meter is None:
            return {}
        settle = settle_seconds(seconds)
        await asyncio.sleep(max(0.0, started + settle - time.perf_counter()))
        window = meter.window()
        await asyncio.sleep(max(0.0, started + seconds - time.perf_counter()))
        return {
            "cpu_window_s": seconds - settle,
            **{f"cpu_{key}": value for key, value in window(rate * (seconds - settle)).items()},
        }

    measuring = asyncio.create_task(measure())
    latencies = await asyncio.gather(*(at(i, body) for i, body in enumerate(scheduled)))
    progress.finish()
    sent = time.perf_counter()
    cpu = await measuring
    await all_terminal(engine, tag, count)
    return {
        "offered_per_s": rate,
        "requests": count,
        "achieved_per_s": count / (sent - started),
        "intake_p50_ms": percentile(latencies, 50) * 1000,
        "intake_p99_ms": percentile(latencies, 99) * 1000,
        "last_terminal_after_s": time.perf_counter() - started,
        **cpu,
    }


def settle_seconds(seconds: float) -> float:
    """The start of an open loop left out of its CPU window (connections warm, batches in
    their steady shape): a fifth of it, at most 10 s."""
    return min(10.0, seconds / 5)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def start(deployment: Deployment, options: argparse.Namespace) -> list[str]:
    deployment.start_all(relays=options.relays, trackers=options.trackers)
    urls = [deployment.base_url]
    for index in range(1, options.gateways):
        port = free_port()
        deployment.start(f"gateway-{index}", "gateway", env={"OSS_ROUTER_PORT": str(port)})
        urls.append(f"http://127.0.0.1:{port}")
    return urls


class CpuMeter:
    """CPU seconds used by each role's processes (and by PostgreSQL, RabbitMQ and this client),
    read from /proc: per request, they show where the two cores go."""

    latest: "CpuMeter | None" = None  # the last one made: open_loop's default

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment
        self._start: dict[str, float] = {}
        CpuMeter.latest = self

    def snapshot(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for name, process in self._deployment.processes.items():
            role = name.split("-")[0]
            used[role] = used.get(role, 0.0) + cpu_seconds(process.pid)
        used["postgresql"] = postgres_cpu(database_of(self._deployment))
        used["rabbitmq"] = sum(cpu_seconds(pid) for pid in pids_named("beam.smp"))
        own = resource.getrusage(resource.RUSAGE_SELF)
        used["bench client"] = own.ru_utime + own.ru_stime
        return used

    def begin(self) -> None:
        self._start = self.snapshot()

    def per_request_ms(self, requests: int) -> dict[str, float]:
        end = self.snapshot()
        figures = {
            f"{role}_cpu_ms": (end[role] - self._start.get(role, 0.0)) * 1000 / requests
            for role in end
        }
        figures["total_cpu_ms"] = sum(figures.values())
        return figures

    def window(self) -> "Callable[[float], dict[str, float]]":
        """Starts a second reading, independent of ``begin``: call the result at the end of
        the window with the number of requests in it."""
        start = self.snapshot()

        def per_request_ms(requests: float) -> dict[str, float]:
            end = self.snapshot()
            figures = {
                f"{role}_ms": (end[role] - start.get(role, 0.0)) * 1000 / requests for role in end
            }
            figures["total_ms"] = sum(figures.values())
            return figures

        return per_request_ms


def database_of(deployment: Any) -> str | None:
    """The database the measured processes use: a ``Deployment``'s, or the peer's (the shared
    driver passes its own process table, whose environment names it)."""
    url = getattr(deployment, "database_url", None) or getattr(deployment, "env", {}).get(
        "PEER_DATABASE_URL"
    )
    return str(url).rsplit("/", 1)[-1].split("?")[0] if url else None


CLIENT_BACKEND = re.compile(r": \S+ (\S+) (?:[0-9a-fA-F.:\[\]]+\(\d+\)|\[local\])")


def postgres_cpu(database: str | None) -> float:
    """PostgreSQL's CPU seconds for ``database``: its client backends and the server's shared
    processes (postmaster, WAL writer, checkpointer, ...), not the backends of other databases.
    On a machine where other people's test suites use the same server, counting every backend
    (as without ``database``) measured their work too. A backend of ``database`` that exits
    between two readings is lost: the deployments measured here keep their connections."""
    if database is None:
        return sum(cpu_seconds(pid, reaped_children=True) for pid in pids_named("postgres"))
    total = 0.0
    for pid in pids_named("postgres"):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        backend = CLIENT_BACKEND.search(title)
        if backend is None or backend.group(1) == database:
            total += cpu_seconds(pid)
    return total


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU of ``pid``; with ``reaped_children``, plus that of its children that
    exited (PostgreSQL's postmaster: a backend that ends between two readings keeps counting)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def pids_named(command: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == command:
                    found.append(int(entry.name))
    return found


def show(title: str, figures: dict[str, float]) -> None:
    print(f"{title}:")
    for key, value in figures.items():
        print(f"  {key:24} {value:10.1f}")


async def main() -> None:
    options = arguments()
    print(f"cpus={os.cpu_count()} loadavg(1m)={os.getloadavg()[0]:.2f} python={sys.version[:6]}")
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            with deployment_on(
                database_url, broker_url, options.logs, dump_logs=False
            ) as deployment:
                urls = start(deployment, options)
                await deployment.wait_ready()
                engine = create_async_engine(database_url)
                clients = Clients(urls, options.concurrency, deployment.officer_headers)
                try:
                    await throughput(clients, engine, 100, options.concurrency)  # warm-up
                    meter = CpuMeter(deployment)
                    meter.begin()
                    show(
                        "throughput",
                        await throughput(clients, engine, options.requests, options.concurrency),
                    )
                    show(
                        "CPU per request, throughput phase", meter.per_request_ms(options.requests)
                    )
                    show(
                        "open loop", await open_loop(clients, engine, options.rate, options.seconds)
                    )
                finally:
                    await clients.close()
                    await engine.dispose()
    print(f"loadavg(1m) at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
