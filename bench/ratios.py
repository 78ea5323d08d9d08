"""The performance ratios of issue 16, from the shared peer driver's results.

    .venv/bin/python -m bench.ratios var/peer-results/results.json [more results.json ...]

Reads the rounds that the naive peer's driver ``compare.py`` (outside this repository) wrote
(``--sides
peer,oss,floor,pgfloor,broker`` for the full-load ratios; ``--sides oss,peer --seconds N`` for the
open-loop ones) and prints, per round and as medians:

- full load: oss-router's completed/s over the peer's (goal: at least 3) and oss-router's total
  CPU per request over the floor (goal: at most 2). The floor is the bare framework's CPU per
  request (the ``floor`` side: a FastAPI endpoint validating the body, and the same client)
  + PostgreSQL's CPU for the least SQL the pipeline needs (``pgfloor``) + RabbitMQ's CPU per
  persistent message with pipelined confirms (``broker``, quorum queue) times the messages a
  request needs at least (a dispatch and its result per dispatch);
- open loop: CPU per request of every process over the steady part of the loop (from
  ``bench.e2e.open_loop``), oss-router's total over the peer's (goal: below 1) and over its own
  full-load figure (goal: at most 1.5), and intake p99 of both (goal: oss-router's below).

Pairs are taken round by round (the driver interleaves the sides, so the two figures of a
pair saw about the same machine load). It prints figures; it asserts nothing.
"""

import argparse
import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

Run = dict[str, Any]
ROLES = ("gateway", "relay", "tracker", "worker", "postgresql", "rabbitmq", "bench client")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path)
    return parser.parse_args()


def by_side(runs: list[Run]) -> dict[str, dict[int, Run]]:
    sides: dict[str, dict[int, Run]] = {}
    for run in runs:
        if "error" not in run:
            sides.setdefault(run["side"], {})[run["round"]] = run
    return sides


def section(run: Run | None, name: str) -> dict[str, float]:
    return dict((run or {}).get(name) or {})


def floor_ms(
    sides: dict[str, dict[int, Run]], round_number: int, dispatches: float
) -> float | None:
    """The floor of one round: bare framework + PostgreSQL floor + broker floor × messages."""
    bare = section(sides.get("floor", {}).get(round_number), "cpu").get("total_cpu_ms")
    postgres = section(sides.get("pgfloor", {}).get(round_number), "pgfloor").get(
        "postgresql_cpu_ms"
    )
    broker = section(sides.get("broker", {}).get(round_number), "broker").get("quorum_w50_ms")
    if bare is None or postgres is None or broker is None:
        return None
    return bare + postgres + broker * 2 * dispatches


def line(label: str, values: list[float], goal: str = "", digits: int = 2) -> str:
    if not values:
        return f"{label:44} –"
    shown = ", ".join(f"{value:.{digits}f}" for value in values)
    return f"{label:44} median {statistics.median(values):.{digits}f}  ({shown}){goal}"


def ratios(runs: list[Run]) -> list[str]:
    sides = by_side(runs)
    return full_load(sides) + open_loop(sides)


def paired(sides: dict[str, dict[int, Run]], figure: Callable[[Run], float | None]) -> list[float]:
    """oss-router's figure over the peer's, round by round."""
    values = []
    peer = sides.get("peer", {})
    for round_number, run in sorted(sides.get("oss", {}).items()):
        mine = figure(run)
        theirs = figure(peer[round_number]) if round_number in peer else None
        if mine is not None and theirs:
            values.append(mine / theirs)
    return values


def completed(run: Run) -> float | None:
    return section(run, "throughput").get("completed_per_s")


def cpu_total(run: Run) -> float | None:
    return section(run, "cpu").get("total_cpu_ms")


def open_cpu(run: Run) -> float | None:
    return section(run, "open_loop").get("cpu_total_ms")


def full_load(sides: dict[str, dict[int, Run]]) -> list[str]:
    floors, over_floor = [], []
    for round_number, run in sorted(sides.get("oss", {}).items()):
        dispatches = section(run, "throughput").get("dispatches_per_request", 1.0)
        floor = floor_ms(sides, round_number, dispatches)
        total = cpu_total(run)
        if floor is not None and total is not None:
            floors.append(floor)
            over_floor.append(total / floor)
    return [
        "full load (throughput phase)",
        line("  completed/s, oss-router / peer", paired(sides, completed), "   goal >= 3"),
        line("  CPU per request, oss-router / peer", paired(sides, cpu_total)),
        line("  floor, ms of CPU per request", floors),
        line("  CPU per request, oss-router / floor", over_floor, "   goal <= 2"),
    ]


def open_loop(sides: dict[str, dict[int, Run]]) -> list[str]:
    oss, peer = sides.get("oss", {}), sides.get("peer", {})
    if all(open_cpu(run) is None for run in oss.values()):
        return []
    own = [
        mine / full
        for run in oss.values()
        if (mine := open_cpu(run)) is not None and (full := cpu_total(run))
    ]

    def figures(runs: dict[int, Run], key: str) -> list[float]:
        return [
            section(run, "open_loop")[key]
            for run in runs.values()
            if key in section(run, "open_loop")
        ]

    out = [
        "open loop (steady part of the loop)",
        line("  CPU per request, oss-router / peer", paired(sides, open_cpu), "   goal < 1"),
        line("  CPU per request, open loop / full load", own, "   goal <= 1.5"),
        line("  intake p99 ms, oss-router", figures(oss, "intake_p99_ms"), "", 0),
        line("  intake p99 ms, peer", figures(peer, "intake_p99_ms"), "", 0),
        "  CPU ms per request by process, medians (oss-router | peer):",
    ]
    for role in (*ROLES, "total"):
        key = f"cpu_{role}_ms"
        mine, theirs = median_text(figures(oss, key)), median_text(figures(peer, key))
        out.append(f"    {role:14} {mine:>8} | {theirs:>8}")
    return out


def median_text(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "–"


def main() -> None:
    options = arguments()
    runs = [run for path in options.results for run in json.loads(path.read_text())]
    print("\n".join(ratios(runs)))


if __name__ == "__main__":
    main()
