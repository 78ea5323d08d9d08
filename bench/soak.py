"""Soak test of the multi-process deployment: a steady rate for a long time, RSS of every process.

    .venv/bin/python -m bench.soak [--rate 10] [--minutes 5] [--sample-seconds 10]

Starts the same deployment as ``bench.e2e`` (fresh database and RabbitMQ virtual host; gateway,
relay, tracker and one worker per channel as separate processes), offers ``--rate`` requests per
second (open loop) for ``--minutes``, and every ``--sample-seconds`` reads the resident set size
(``VmRSS`` in ``/proc/<pid>/status``) of every process. A line per sample goes to stderr as the
run goes (its progress); at the end, once every request is terminal, stdout gets the table of
RSS per process — after the warm-up, at the end, the maximum — with the growth over the run and
the slope of a least-squares line through the second half of the samples (MB per hour): a
process that leaks keeps a positive slope however long the run, one that is bounded levels off.

It prints figures; it asserts nothing. Linux only (``/proc``).
"""

import argparse
import asyncio
import contextlib
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tests.support.deployment import Deployment, deployment_on
from tests.support.rabbitmq import fresh_vhost
from tests.support.services import fresh_postgres_database

from bench.e2e import Clients, all_terminal, bodies, percentile, post, terminal
from oss_router.aio import wait_event

MB = 1024 * 1024


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0, help="offered requests per second")
    parser.add_argument("--minutes", type=float, default=5.0, help="how long traffic is offered")
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument(
        "--warmup-seconds", type=float, default=60.0, help="growth is measured from then on"
    )
    parser.add_argument("--concurrency", type=int, default=64, help="HTTP connections")
    parser.add_argument("--logs", type=Path, default=Path("var/soak-logs"))
    return parser.parse_args()


def rss_bytes(pid: int) -> int | None:
    """Resident set size of a process, None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024  # reported in kB
    return None


@dataclass
class Run:
    tag: str
    sent: int = 0
    accepted: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    # (seconds since the start, {process: RSS bytes})
    samples: list[tuple[float, dict[str, int]]] = field(default_factory=list)


async def offer(clients: Clients, run: Run, rate: float, seconds: float) -> None:
    """Open loop: request n leaves at n / rate, whether or not earlier ones returned."""
    count = int(rate * seconds)
    started = time.perf_counter()
    in_flight: set[asyncio.Task[None]] = set()
    for index, body in enumerate(bodies(run.tag, count)):
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        task = asyncio.create_task(send(clients, run, body))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    await asyncio.gather(*in_flight)


async def send(clients: Clients, run: Run, body: dict[str, object]) -> None:
    run.sent += 1
    try:
        run.latencies.append(await post(clients, body))
        run.accepted += 1
    except Exception as error:  # counted and shown: a soak goes on through failures
        run.errors += 1
        print(f"request failed: {error!r}"[:200], file=sys.stderr)


async def sample(deployment: Deployment, engine: AsyncEngine, run: Run, started: float) -> None:
    elapsed = time.perf_counter() - started
    sizes = {
        name: size
        for name, process in deployment.processes.items()
        if (size := rss_bytes(process.pid)) is not None
    }
    run.samples.append((elapsed, sizes))
    done = await terminal(engine, run.tag)
    shown = " ".join(f"{name}={size / MB:.0f}" for name, size in sizes.items())
    print(
        f"[{elapsed:6.0f} s] sent={run.sent} accepted={run.accepted} terminal={done} "
        f"errors={run.errors} load={os.getloadavg()[0]:.1f} RSS MB: {shown}",
        file=sys.stderr,
        flush=True,
    )


async def sampling(
    deployment: Deployment,
    engine: AsyncEngine,
    run: Run,
    every: float,
    stop: asyncio.Event,
) -> None:
    started = time.perf_counter()
    while not stop.is_set():
        await sample(deployment, engine, run, started)
        await wait_event(stop, every)
    await sample(deployment, engine, run, started)


async def drain(engine: AsyncEngine, run: Run, seconds: float = 300.0) -> None:
    """Until every accepted request is terminal (or ``seconds`` passed: the table says so)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await all_terminal(engine, run.tag, run.accepted)


def slope_mb_per_hour(points: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS over time."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_r = sum(r for _, r in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    slope = sum((t - mean_t) * (r - mean_r) for t, r in points) / spread  # bytes per second
    return slope * 3600 / MB


def report(run: Run, warmup: float) -> None:
    names = list(run.samples[0][1]) if run.samples else []
    after = [(t, sizes) for t, sizes in run.samples if t >= warmup] or run.samples
    print(f"{'process':22} {'warm MB':>8} {'end MB':>8} {'max MB':>8} {'growth MB':>10} "
          f"{'2nd-half slope MB/h':>20}")  # fmt: skip
    for name in names:
        series = [(t, sizes[name]) for t, sizes in after if name in sizes]
        if not series:
            continue
        start, end = series[0][1], series[-1][1]
        peak = max(size for _, size in series)
        half = series[len(series) // 2 :]
        print(
            f"{name:22} {start / MB:8.1f} {end / MB:8.1f} {peak / MB:8.1f} "
            f"{(end - start) / MB:+10.1f} {slope_mb_per_hour(half):+20.1f}"
        )
    if run.latencies:
        print(
            f"requests: sent={run.sent} accepted={run.accepted} errors={run.errors} "
            f"intake p50={percentile(run.latencies, 50) * 1000:.0f} ms "
            f"p99={percentile(run.latencies, 99) * 1000:.0f} ms"
        )


async def main() -> None:
    options = arguments()
    print(f"cpus={os.cpu_count()} loadavg(1m)={os.getloadavg()[0]:.2f} python={sys.version[:6]}")
    print(f"offering {options.rate:g} requests/s for {options.minutes:g} min")
    run = Run(tag=f"soak-{uuid.uuid4().hex[:8]}")
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            with deployment_on(
                database_url, broker_url, options.logs, dump_logs=False
            ) as deployment:
                deployment.start_all()
                await deployment.wait_ready()
                engine = create_async_engine(database_url)
                clients = Clients(
                    [deployment.base_url], options.concurrency, deployment.officer_headers
                )
                stop = asyncio.Event()
                sampler = asyncio.create_task(
                    sampling(deployment, engine, run, options.sample_seconds, stop)
                )
                try:
                    await offer(clients, run, options.rate, options.minutes * 60)
                    await drain(engine, run)
                finally:
                    stop.set()
                    await sampler
                    await clients.close()
                    await engine.dispose()
    report(run, options.warmup_seconds)
    print(f"process logs: {options.logs}/")
    print(f"loadavg(1m) at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
