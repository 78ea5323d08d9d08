"""Benchmark of the receiving side on PostgreSQL + RabbitMQ: stub partners → workers → registrar.

    .venv/bin/python -m bench.inbound [--requests 2000] [--rate 20] [--seconds 15]

Starts its own deployment (fresh database and RabbitMQ virtual host; the registrar and one
worker per channel as separate processes, the stub registers answering from their data file),
then:

1. registration rate: one simulation order per channel, ``--requests`` requests in all, and
   the time from publishing the orders to the last request registered (committed);
2. CPU per inbound request per role over that phase (workers, registrar, PostgreSQL,
   RabbitMQ), read from /proc;
3. latency at a gentle rate: ``--rate`` requests per second (one order of one request at a time,
   round robin over the channels, open loop) for ``--seconds``; for each, the time from the
   partner's send (``received_at``, stamped by the stub partner) to the row being visible in a
   poll of the Incoming queue's table every 10 ms (p50/p99; the poll adds up to 10 ms), and
   ``registered_at − received_at`` (the registrar's own clock, before its commit).

It prints figures; it asserts nothing (progress goes to stderr as it runs).
"""

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tests.support.deployment import Deployment, deployment_on, wait_consumers
from tests.support.rabbitmq import fresh_vhost
from tests.support.services import fresh_postgres_database

from bench.e2e import CpuMeter, percentile, show
from oss_router.broker.rabbitmq import RabbitBroker
from oss_router.broker.topology import INBOUND_QUEUE, dispatch_queue
from oss_router.messages.codes import RECEIVING_CHANNELS, Channel
from oss_router.messages.simulation import MAX_SIMULATED
from oss_router.simulation.orders import new_order, publish_order

COUNT_SQL = "SELECT count(*) FROM inbound_requests"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="rate phase, all channels")
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s, latency phase")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the latency phase")
    parser.add_argument("--logs", type=Path, default=Path("var/bench-logs"))
    return parser.parse_args()


def start(deployment: Deployment) -> None:
    deployment.start("registrar", "registrar")
    for channel in Channel:
        deployment.start(f"worker-{channel}", "worker", "--channel", channel.value)


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(COUNT_SQL))).scalar() or 0)


async def wait_count(engine: AsyncEngine, expected: int, stall: float = 60) -> None:
    """Until ``expected`` rows are registered; fails once none has come for ``stall`` seconds
    (a lost share must not look like a slow run)."""
    last, moved = -1, time.monotonic()
    while (now := await count(engine)) < expected:
        if now != last:
            last, moved = now, time.monotonic()
            print(f"  {now}/{expected} registered", file=sys.stderr, end="\r")
        elif time.monotonic() - moved > stall:
            raise RuntimeError(f"only {now} of {expected} registered, none for {stall:g} s")
        await asyncio.sleep(0.05)
    print(file=sys.stderr)


async def rate_phase(
    broker: RabbitBroker, engine: AsyncEngine, requests: int, already: int
) -> dict[str, float]:
    # Only the channels partners send requests through (not Prüm): a Prüm worker ignores an
    # order, and its share would never arrive.
    channels = RECEIVING_CHANNELS
    shares = [requests // len(channels)] * len(channels)
    shares[0] += requests - sum(shares)
    started = time.monotonic()
    now = datetime.now(UTC)
    for channel, share in zip(channels, shares, strict=True):
        for chunk in range(0, share, MAX_SIMULATED):  # an order holds at most MAX_SIMULATED
            count = min(MAX_SIMULATED, share - chunk)
            await publish_order(broker, new_order(channel, count, urgent=False, now=now))
    await wait_count(engine, already + requests)
    elapsed = time.monotonic() - started
    return {"requests": requests, "seconds": elapsed, "registered_per_s": requests / elapsed}


async def latency_phase(
    broker: RabbitBroker, engine: AsyncEngine, rate: float, seconds: float
) -> dict[str, float]:
    seen: dict[str, float] = {}  # partner reference -> wall time first seen
    stop = asyncio.Event()
    all_seen = asyncio.Event()
    total = int(rate * seconds)
    since = datetime.now(UTC)

    async def poll() -> None:
        query = text("SELECT partner_reference FROM inbound_requests WHERE registered_at >= :since")
        while not stop.is_set():
            async with engine.connect() as connection:
                for (reference,) in (await connection.execute(query, {"since": since})).all():
                    seen.setdefault(reference, time.time())
            if len(seen) >= total:
                all_seen.set()
            await asyncio.sleep(0.01)

    poller = asyncio.create_task(poll())
    channels = list(RECEIVING_CHANNELS)
    begun = time.monotonic()
    for index in range(total):
        await asyncio.sleep(max(0.0, begun + index / rate - time.monotonic()))
        order = new_order(channels[index % len(channels)], 1, urgent=False, now=datetime.now(UTC))
        await publish_order(broker, order)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_seen.wait(), 60)
    stop.set()
    await poller
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT partner_reference, received_at, registered_at FROM inbound_requests"
                    " WHERE registered_at >= :since"
                ),
                {"since": since},
            )
        ).all()
    visible = [
        (seen[ref] - received.timestamp()) * 1000 for ref, received, _ in rows if ref in seen
    ]
    registered = [(done - received).total_seconds() * 1000 for _, received, done in rows]
    return {
        "requests": float(len(rows)),
        "visible_p50_ms": percentile(visible, 50),
        "visible_p99_ms": percentile(visible, 99),
        "registered_p50_ms": percentile(registered, 50),
        "registered_p99_ms": percentile(registered, 99),
        "registered_mean_ms": statistics.fmean(registered) if registered else 0.0,
    }


async def run(options: argparse.Namespace) -> None:
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            with deployment_on(
                database_url, broker_url, options.logs, dump_logs=False
            ) as deployment:
                start(deployment)
                queues = [INBOUND_QUEUE, *(dispatch_queue(channel) for channel in Channel)]
                await wait_consumers(broker_url, queues)
                engine = create_async_engine(database_url)
                broker = RabbitBroker(broker_url, connection_name="oss-router bench")
                await broker.connect()
                try:
                    await rate_phase(broker, engine, 100, 0)  # warm-up
                    meter = CpuMeter(deployment)
                    meter.begin()
                    figures: dict[str, Any] = await rate_phase(
                        broker, engine, options.requests, 100
                    )
                    show("registration rate", figures)
                    show("CPU per inbound request (ms)", meter.per_request_ms(options.requests))
                    meter.begin()
                    latency = await latency_phase(broker, engine, options.rate, options.seconds)
                    show(f"latency at {options.rate:g}/s", latency)
                    show(
                        "CPU per inbound request at that rate (ms)",
                        meter.per_request_ms(max(1, int(latency["requests"]))),
                    )
                finally:
                    await broker.close()
                    await engine.dispose()


def main() -> None:
    options = arguments()
    print(f"cpus={os.cpu_count()} loadavg(1m)={os.getloadavg()[0]:.2f} python={sys.version[:6]}")
    asyncio.run(run(options))
    print(f"loadavg(1m) at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
