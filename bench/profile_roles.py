"""Where each role's CPU goes at a steady rate: py-spy on every process during an open loop.

    .venv/bin/pip install py-spy   # not a dependency of the project
    .venv/bin/python -m bench.profile_roles [--rate 20] [--seconds 60] [--out var/profiles]

Starts the deployment of ``bench.e2e`` (fresh database and virtual host), warms it up, then
offers ``--rate`` requests/s open loop for ``--seconds`` and, over the steady part of the loop,
records each role's process with ``py-spy record`` (sampling, ``--idle`` off: only time on the
CPU counts). Writes one collapsed-stack file per process (``<role>.txt``, for flame graph tools
or ``--top``) and prints the open loop's figures with CPU per request per process and, per
role, the functions with the most samples (own and cumulative). It asserts nothing.
"""

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine
from tests.support.deployment import deployment_on
from tests.support.rabbitmq import fresh_vhost
from tests.support.services import fresh_postgres_database

from bench.e2e import Clients, CpuMeter, open_loop, settle_seconds, show, throughput


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--roles", default="gateway,relay-0,tracker-0,worker-sirene")
    parser.add_argument("--sampling-rate", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=Path("var/profiles"))
    parser.add_argument("--logs", type=Path, default=Path("var/bench-logs"))
    return parser.parse_args()


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy not found: .venv/bin/pip install py-spy")
    return found


def record(pid: int, seconds: float, out: Path, rate: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def top(collapsed: Path, count: int) -> list[str]:
    """Functions by own samples and by cumulative samples, from a collapsed-stack file."""
    own: collections.Counter[str] = collections.Counter()
    cumulative: collections.Counter[str] = collections.Counter()
    total = 0
    for text in collapsed.read_text().splitlines():
        stack, _, samples = text.rpartition(" ")
        if not samples.isdigit():
            continue
        frames = [
            frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1] for frame in stack.split(";")
        ]
        total += int(samples)
        own[frames[-1]] += int(samples)
        for frame in set(frames):
            cumulative[frame] += int(samples)
    lines = [f"  {total} samples; own:"]
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(count)]
    lines.append("  cumulative:")
    lines += [f"    {100 * n / total:5.1f}%  {name}" for name, n in cumulative.most_common(count)]
    return lines


async def main() -> None:
    options = arguments()
    options.out.mkdir(parents=True, exist_ok=True)
    with fresh_vhost() as broker_url:
        async with fresh_postgres_database() as database_url:
            with deployment_on(
                database_url, broker_url, options.logs, dump_logs=False
            ) as deployment:
                deployment.start_all()
                await deployment.wait_ready()
                engine = create_async_engine(database_url)
                clients = Clients([deployment.base_url], 64, deployment.officer_headers)
                try:
                    await throughput(clients, engine, 200, 64)  # warm-up
                    meter = CpuMeter(deployment)
                    settle = settle_seconds(options.seconds)

                    async def profile() -> list[tuple[str, Path, subprocess.Popen[bytes]]]:
                        await asyncio.sleep(settle)
                        spies = []
                        for name in options.roles.split(","):
                            out = options.out / f"{name}.txt"
                            pid = deployment.processes[name].pid
                            spies.append(
                                (
                                    name,
                                    out,
                                    record(
                                        pid,
                                        options.seconds - settle - 1,
                                        out,
                                        options.sampling_rate,
                                    ),
                                )
                            )
                        return spies

                    profiling = asyncio.create_task(profile())
                    started = time.perf_counter()
                    show(
                        "open loop",
                        await open_loop(clients, engine, options.rate, options.seconds, meter),
                    )
                    print(f"open loop took {time.perf_counter() - started:.0f} s")
                    for name, out, spy in await profiling:
                        spy.wait(timeout=60)
                        print(f"{name} ({out}):")
                        print("\n".join(top(out, options.top)) if out.exists() else "  no profile")
                finally:
                    await clients.close()
                    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
