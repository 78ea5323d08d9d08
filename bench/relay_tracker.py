"""CPU per request of the intake's, the relay's and the tracker's database work, at fixed
batch sizes.

    .venv/bin/python -m bench.relay_tracker [--requests 1200] [--batches 1 4 16 64]

On a fresh PostgreSQL database, for each batch size: stages requests as the gateway's intake
batches do (in-process, no HTTP: ``create_requests``, the intake transaction), publishes their
outbox rows with ``Relay.publish_pending`` (to a broker that confirms at once), and applies one
answer per dispatch (carrying ``delivered``, the worker's common path) with ``apply_results``.
Prints, per request, this process's CPU (the gateway's, relay's or tracker's Python side), the
CPU of the PostgreSQL backends serving it, and the statements sent. Unlike ``bench.e2e`` the
batch sizes are fixed, so figures compare between code versions even when the machine's load
differs; it prints figures and asserts nothing.
"""

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text
from tests.conftest import make_settings
from tests.support.services import fresh_postgres_database
from tests.support.staging import DESK, open_runtime
from tests.support.traffic import varied_body

from oss_router.broker.contract import OutgoingMessage
from oss_router.clock import utcnow
from oss_router.messages.result import DispatchResult, result_message_id
from oss_router.models import Dispatch
from oss_router.outbox.relay import Relay
from oss_router.request.batching import create_requests
from oss_router.request.intake import Intake
from oss_router.request.schemas import REQUEST_CREATE
from oss_router.runtime import Runtime
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work


class ConfirmingBroker:
    """Confirms every publish at once: the relay's own work, not the broker's."""

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        return None


class Meter:
    """This process's CPU, the CPU of the database's backends, and statements sent."""

    def __init__(self, runtime: Runtime, database: str) -> None:
        self._runtime = runtime
        self._database = database
        self.statements = 0
        self.texts: set[str] = set()
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.statements += 1
        self.texts.add(args[2])

    async def backends_cpu(self) -> float:
        async with self._runtime.engine.connect() as connection:
            pids = (
                await connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity"
                        " WHERE datname = :name AND backend_type = 'client backend'"
                    ),
                    {"name": self._database},
                )
            ).scalars()
            return sum(cpu_seconds(pid) for pid in pids)

    async def measure(self, work: Callable[[], Awaitable[None]], requests: int) -> dict[str, float]:
        backends, own, statements = await self.backends_cpu(), time.process_time(), self.statements
        self.texts.clear()
        await work()
        own = time.process_time() - own
        statements = self.statements - statements
        texts = len(self.texts)
        backends = await self.backends_cpu() - backends
        return {
            "python_ms": own * 1000 / requests,
            "postgresql_ms": backends * 1000 / requests,
            "statements": statements / requests,
            "distinct_sql": texts,
        }


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def stage(runtime: Runtime, count: int, offset: int, batch: int = 64) -> None:
    """Intake as the gateway's batches do it, ``batch`` requests per transaction."""
    for start in range(0, count, batch):
        intakes = [
            Intake(REQUEST_CREATE.validate_python(varied_body(offset + i)), DESK, None, utcnow())
            for i in range(start, min(count, start + batch))
        ]
        async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:  # as the gateway
            await create_requests(uow, runtime.policy, intakes)
    # Statistics as autovacuum keeps them on a live database: without them the planner
    # scans whole tables, and the figures would depend on the order of the runs.
    async with runtime.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))


async def answers(runtime: Runtime) -> list[DispatchResult]:
    async with runtime.sessions() as session:
        rows = (await session.execute(select(Dispatch).where(Dispatch.status == "sent"))).scalars()
        now = utcnow()
        return [
            DispatchResult(
                message_id=result_message_id(row.id, "answered"),
                request_id=row.request_id,
                dispatch_id=row.id,
                correlation_id=str(row.request_id),
                channel=row.channel,
                status="answered",
                outcome="no_hit",
                answer={"remarks": "No record found."},
                occurred_at=now,
                delivered_at=now,
            )
            for row in rows
        ]


async def one_size(runtime: Runtime, meter: Meter, requests: int, batch: int, offset: int) -> None:
    async def intake() -> None:
        await stage(runtime, requests, offset, batch)

    show(f"intake, batches of {batch} requests", await meter.measure(intake, requests))
    async with runtime.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
    relay = Relay(runtime.sessions, ConfirmingBroker(), batch_size=batch)  # type: ignore[arg-type]

    async def publish() -> None:
        while await relay.publish_pending():
            pass

    show(f"relay, batches of {batch} rows", await meter.measure(publish, requests))
    results = await answers(runtime)

    async def apply() -> None:
        for start in range(0, len(results), batch):
            async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
                await apply_results(uow, results[start : start + batch], utcnow())

    show(f"tracker, batches of {batch} results", await meter.measure(apply, requests))


def show(title: str, figures: dict[str, float]) -> None:
    print(f"{title:34}" + "".join(f"  {key} {value:6.2f}" for key, value in figures.items()))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4, 16, 64])
    options = parser.parse_args()
    print(f"loadavg(1m)={os.getloadavg()[0]:.2f}; per request (1.33 dispatches)")
    async with fresh_postgres_database() as url, open_runtime(make_settings(url)) as runtime:
        meter = Meter(runtime, url.rsplit("/", 1)[1])
        await one_size(runtime, meter, 200, 8, 0)  # warm-up
        for index, batch in enumerate(options.batches):
            await one_size(runtime, meter, options.requests, batch, (index + 1) * 100_000)


if __name__ == "__main__":
    asyncio.run(main())
