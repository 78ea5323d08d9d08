"""Benchmark of the receiving side on PostgreSQL + RabbitMQ: stub partners → workers → registrar,
against a naive peer and the floor, side by side in one run.

    .venv/bin/python -m bench.inbound [--sides oss,peer,floor] [--rounds 1]
        [--requests 2000] [--rate 20] [--seconds 15] [--out var/inbound.json]

Each round runs the sides one after the other (interleaved rounds: the sides of one round saw
about the same machine). ``oss`` and ``peer`` each start their own deployment (fresh database
and RabbitMQ virtual host; one worker per channel as separate processes, the stub registers
answering from their data file) with, as the registering process, oss-router's registrar
(``oss``) or the naive peer ``bench.inbound_peer`` (``peer``: per-message ORM commit, the
tutorials' way), then:

1. registration rate: one simulation order per channel, ``--requests`` requests in all, and
   the time from publishing the orders to the last request registered (committed);
2. CPU per inbound request per role over that phase (workers, registrar, PostgreSQL,
   RabbitMQ), read from /proc;
3. latency at a gentle rate: ``--rate`` requests per second (one order of one request at a time,
   round robin over the channels, open loop) for ``--seconds``; for each, the time from the
   partner's send (``received_at``, stamped by the stub partner) to the row being visible in a
   poll of the registered table every 10 ms (p50/p99; the poll adds up to 10 ms), and
   ``registered_at − received_at`` (the registering process's clock, before its commit), with
   the CPU per request of that phase.

``floor`` measures the least the pipeline needs: PostgreSQL's CPU for one committed insert of
a registered request (raw asyncpg, no ORM) and RabbitMQ's for one persistent message
(``bench.broker_floor``, quorum queue, pipelined confirms): the partner's message to the
registrar. At the end it prints the goal ratios of issue 16 for the receiving side (pairs
taken round by round, then medians): registered/s against the peer's (goal at least 3), CPU
per request against the floor (at most 2), and at the gentle rate CPU per request against the
peer's (below 1) and against its own full-load figure (at most 1.5), visible p99 against the
peer's (below). It prints figures; it asserts nothing (progress goes to stderr as it runs).
"""

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tests.support.deployment import Deployment, deployment_on, wait_consumers
from tests.support.rabbitmq import fresh_vhost
from tests.support.services import fresh_postgres_database

from bench import broker_floor
from bench.e2e import CpuMeter, percentile, postgres_cpu, show
from bench.inbound_peer import TABLE as PEER_TABLE
from bench.inbound_peer import Base as PeerBase
from oss_router.broker.rabbitmq import RabbitBroker
from oss_router.broker.topology import INBOUND_QUEUE, dispatch_queue
from oss_router.messages.codes import RECEIVING_CHANNELS, Channel
from oss_router.messages.simulation import MAX_SIMULATED
from oss_router.outbox.notify import asyncpg_dsn
from oss_router.simulation.orders import new_order, publish_order

SIDES = ("oss", "peer", "floor")
TABLES = {"oss": "inbound_requests", "peer": PEER_TABLE}
MESSAGES_PER_REQUEST = 1  # the partner's message to the registrar (orders are the client's)
Figures = dict[str, float]
Round = dict[str, dict[str, Figures]]  # side -> phase -> figures
# The table names in the SQL below come from TABLES (constants), never from input: S608 is moot.


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default="oss,peer,floor", help="of: " + ",".join(SIDES))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000, help="rate phase, all channels")
    parser.add_argument("--rate", type=float, default=20.0, help="requests/s, latency phase")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the latency phase")
    parser.add_argument("--logs", type=Path, default=Path("var/bench-logs"))
    parser.add_argument("--out", type=Path, help="write every round's figures here (JSON)")
    options = parser.parse_args()
    options.sides = options.sides.split(",")
    unknown = set(options.sides) - set(SIDES)
    if unknown:
        parser.error(f"unknown side(s) {', '.join(sorted(unknown))}: choose from {SIDES}")
    return options


def start_workers(deployment: Deployment) -> None:
    for channel in Channel:
        deployment.start(f"worker-{channel}", "worker", "--channel", channel.value)


def start_peer(deployment: Deployment, log_dir: Path) -> None:
    """The naive peer as the process the CPU meter calls "registrar"."""
    with (log_dir / "peer-registrar.log").open("ab") as log:
        deployment.processes["registrar"] = subprocess.Popen(
            [sys.executable, "-m", "bench.inbound_peer"],
            env=deployment.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        query = text(f"SELECT count(*) FROM {table}")  # noqa: S608
        return int((await connection.execute(query)).scalar() or 0)


async def wait_count(engine: AsyncEngine, table: str, expected: int, stall: float = 60) -> None:
    """Until ``expected`` rows are registered; fails once none has come for ``stall`` seconds
    (a lost share must not look like a slow run)."""
    last, moved = -1, time.monotonic()
    while (now := await count(engine, table)) < expected:
        if now != last:
            last, moved = now, time.monotonic()
            print(f"  {now}/{expected} registered", file=sys.stderr, end="\r")
        elif time.monotonic() - moved > stall:
            raise RuntimeError(f"only {now} of {expected} registered, none for {stall:g} s")
        await asyncio.sleep(0.05)
    print(file=sys.stderr)


async def rate_phase(
    broker: RabbitBroker, engine: AsyncEngine, table: str, requests: int, already: int
) -> Figures:
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
    await wait_count(engine, table, already + requests)
    elapsed = time.monotonic() - started
    return {"requests": requests, "seconds": elapsed, "registered_per_s": requests / elapsed}


async def latency_phase(
    broker: RabbitBroker, engine: AsyncEngine, table: str, rate: float, seconds: float
) -> Figures:
    seen: dict[str, float] = {}  # partner reference -> wall time first seen
    stop = asyncio.Event()
    all_seen = asyncio.Event()
    total = int(rate * seconds)
    since = datetime.now(UTC)

    async def poll() -> None:
        query = text(f"SELECT partner_reference FROM {table} WHERE registered_at >= :since")  # noqa: S608
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
                    f"SELECT partner_reference, received_at, registered_at FROM {table}"  # noqa: S608
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


async def measure_side(side: str, options: argparse.Namespace) -> dict[str, Figures]:
    """One deployment with oss-router's registrar or the naive peer: the three phases."""
    table = TABLES[side]
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            with deployment_on(
                database_url, broker_url, options.logs, dump_logs=False
            ) as deployment:
                start_workers(deployment)
                await wait_consumers(broker_url, [dispatch_queue(channel) for channel in Channel])
                if side == "oss":
                    deployment.start("registrar", "registrar")
                else:
                    start_peer(deployment, options.logs)
                await wait_consumers(broker_url, [INBOUND_QUEUE])
                engine = create_async_engine(database_url)
                broker = RabbitBroker(broker_url, connection_name="oss-router bench")
                await broker.connect()
                try:
                    return await phases(deployment, broker, engine, table, options)
                finally:
                    await broker.close()
                    await engine.dispose()


async def phases(
    deployment: Deployment,
    broker: RabbitBroker,
    engine: AsyncEngine,
    table: str,
    options: argparse.Namespace,
) -> dict[str, Figures]:
    await rate_phase(broker, engine, table, 100, 0)  # warm-up
    meter = CpuMeter(deployment)
    meter.begin()
    rate = await rate_phase(broker, engine, table, options.requests, 100)
    rate_cpu = meter.per_request_ms(options.requests)
    meter.begin()
    latency = await latency_phase(broker, engine, table, options.rate, options.seconds)
    latency_cpu = meter.per_request_ms(max(1, int(latency["requests"])))
    return {"rate": rate, "rate_cpu": rate_cpu, "latency": latency, "latency_cpu": latency_cpu}


async def measure_floor(options: argparse.Namespace) -> dict[str, Figures]:
    """PostgreSQL's CPU for one committed insert per request (the peer's table, raw asyncpg,
    as many connections as the registrar's prefetch) and RabbitMQ's per persistent message."""
    async with fresh_postgres_database() as database_url:
        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            await connection.run_sync(PeerBase.metadata.create_all)
        await engine.dispose()
        pool = await asyncpg.create_pool(asyncpg_dsn(database_url), min_size=16, max_size=16)
        try:
            await insert_floor_rows(pool, 200)  # warm-up
            database = database_url.rsplit("/", 1)[-1]
            before, own_before = postgres_cpu(database), _own_cpu()
            started = time.perf_counter()
            await insert_floor_rows(pool, options.requests)
            elapsed = time.perf_counter() - started
            postgres = (postgres_cpu(database) - before) * 1000 / options.requests
            client = (_own_cpu() - own_before) * 1000 / options.requests
        finally:
            await pool.close()
    with fresh_vhost() as broker_url:
        message = await broker_floor.measure(broker_url, 3000, "quorum", 50)
    floor = {
        "inserts_per_s": options.requests / elapsed,
        "postgresql_cpu_ms": postgres,
        "asyncpg_client_cpu_ms": client,
        "rabbitmq_cpu_ms_per_message": message,
        "total_cpu_ms": postgres + message * MESSAGES_PER_REQUEST,
    }
    return {"floor": floor}


FLOOR_INSERT = (  # into bench.inbound_peer's table
    "INSERT INTO peer_inbound_requests (id, channel, partner_reference, requesting_country, kind,"
    " subject, purpose, urgency, national_check, received_at, registered_at, due_at, status)"
    " VALUES ($1, 'europol', $2, 'DE', 'person', $3::json, 'floor', 'normal', $4::json, $5, $5,"
    " $5, 'registered')"
)


async def insert_floor_rows(pool: asyncpg.Pool, count: int) -> None:
    subject = json.dumps({"family_name": "Floor", "given_names": "Ada", "birth_date": "1980-01-01"})
    check = json.dumps({"registers": ["persons"], "unavailable": [], "hits": []})
    limit = asyncio.Semaphore(16)

    async def one() -> None:
        async with limit, pool.acquire() as connection:
            now = datetime.now(UTC)
            reference = uuid.uuid4().hex
            await connection.execute(FLOOR_INSERT, uuid.uuid4(), reference, subject, check, now)

    await asyncio.gather(*(one() for _ in range(count)))


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


async def measure(side: str, options: argparse.Namespace) -> dict[str, Figures]:
    if side == "floor":
        return await measure_floor(options)
    return await measure_side(side, options)


def show_round(side: str, figures: dict[str, Figures], rate: float) -> None:
    if side == "floor":
        show("floor", figures["floor"])
        return
    show(f"{side}: registration rate", figures["rate"])
    show(f"{side}: CPU per inbound request (ms)", figures["rate_cpu"])
    show(f"{side}: latency at {rate:g}/s", figures["latency"])
    show(f"{side}: CPU per inbound request at that rate (ms)", figures["latency_cpu"])


def ratios(rounds: list[Round]) -> dict[str, list[float]]:
    """The goal ratios of each round that ran the sides they compare."""
    found: dict[str, list[float]] = {}

    def add(name: str, value: Callable[[Round], float], *sides: str) -> None:
        for one in rounds:
            if all(side in one for side in sides):
                found.setdefault(name, []).append(value(one))

    add("registered/s, oss / peer (goal >= 3)",
        lambda r: r["oss"]["rate"]["registered_per_s"] / r["peer"]["rate"]["registered_per_s"],
        "oss", "peer")  # fmt: skip
    add("CPU per request, oss / floor (goal <= 2)",
        lambda r: r["oss"]["rate_cpu"]["total_cpu_ms"] / r["floor"]["floor"]["total_cpu_ms"],
        "oss", "floor")  # fmt: skip
    add("CPU per request, oss / peer (full load)",
        lambda r: r["oss"]["rate_cpu"]["total_cpu_ms"] / r["peer"]["rate_cpu"]["total_cpu_ms"],
        "oss", "peer")  # fmt: skip
    add("at the rate: CPU per request, oss / peer (goal < 1)",
        lambda r: r["oss"]["latency_cpu"]["total_cpu_ms"]
        / r["peer"]["latency_cpu"]["total_cpu_ms"],
        "oss", "peer")  # fmt: skip
    add("at the rate: CPU per request, oss / oss at full load (goal <= 1.5)",
        lambda r: r["oss"]["latency_cpu"]["total_cpu_ms"] / r["oss"]["rate_cpu"]["total_cpu_ms"],
        "oss")  # fmt: skip
    add("at the rate: visible p99, oss / peer (goal < 1)",
        lambda r: r["oss"]["latency"]["visible_p99_ms"] / r["peer"]["latency"]["visible_p99_ms"],
        "oss", "peer")  # fmt: skip
    return found


def show_ratios(found: dict[str, list[float]]) -> None:
    print("ratios (per round; median):")
    for name, values in found.items():
        rounds = ", ".join(f"{value:.2f}" for value in values)
        print(f"  {name:66} {rounds}; {statistics.median(values):.2f}")


async def run(options: argparse.Namespace) -> list[Round]:
    rounds = []
    for number in range(1, options.rounds + 1):
        one: Round = {}
        for side in options.sides:
            load = os.getloadavg()[0]
            print(f"round {number}, {side} (loadavg(1m) {load:.2f})", file=sys.stderr)
            one[side] = await measure(side, options)
            show_round(side, one[side], options.rate)
        rounds.append(one)
    return rounds


def main() -> None:
    options = arguments()
    print(f"cpus={os.cpu_count()} loadavg(1m)={os.getloadavg()[0]:.2f} python={sys.version[:6]}")
    rounds = asyncio.run(run(options))
    show_ratios(ratios(rounds))
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(json.dumps(rounds, indent=2))
    print(f"loadavg(1m) at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
