"""``oss-router``: one command line for every process role.

oss-router serve                    the embedded all-in-one (gateway + relay + tracker + adapters)
oss-router gateway                  HTTP API only
oss-router relay | tracker          outbox relay / result tracker
oss-router worker --channel NAME    one channel's adapter worker
oss-router watch                    deadline watch only (the tracker role runs it too)
oss-router migrate                  apply database migrations
oss-router stats --year YYYY        yearly statistics (Directive 2023/977 Art. 18), CSV or JSON
oss-router schemas [--check]        write (or check) the JSON Schemas in schemas/
oss-router token issue --role R --subject S [--unit U]   a development token
oss-router client create|rotate|revoke|list              OAuth2 clients (PCCC systems)
oss-router audit verify             check the audit log's hash chain
oss-router purge --older-than DAYS  erase personal data of old terminal requests
oss-router dead-letters list|replay|discard   failed dispatches in the dead-letter queues
"""

import argparse
import asyncio
import logging
import math
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
import uvloop

from oss_router import redaction, schemas_export
from oss_router.app import create_app
from oss_router.audit import commands as audit_commands
from oss_router.auth import commands as auth_commands
from oss_router.auth.setup import InsecureConfigurationError, check_configuration
from oss_router.clock import utcnow
from oss_router.config import Settings, get_settings
from oss_router.db import create_engine, create_sessionmaker
from oss_router.dead_letter import commands as dead_letter_commands
from oss_router.messages.codes import Channel
from oss_router.migrate import upgrade
from oss_router.progress import Progress
from oss_router.retention import commands as retention_commands
from oss_router.runtime import Runtime
from oss_router.stats import export as stats_export
from oss_router.stats import service as stats_service
from oss_router.stats.schemas import StatsRead
from oss_router.telemetry.logs import configure_logging

log = logging.getLogger("oss_router")

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(_role_name(args))
    redaction.install()
    try:
        result: int = args.handler(args)
    except InsecureConfigurationError as error:
        print(f"oss-router refuses to start: {error}", file=sys.stderr)
        return 78  # EX_CONFIG
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oss-router", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="command")
    for name, handler, help_text in [
        ("serve", _serve, "embedded all-in-one service"),
        ("gateway", _gateway, "HTTP API only"),
        ("relay", _relay, "outbox relay"),
        ("tracker", _tracker, "result tracker and deadline watch"),
        ("watch", _watch, "deadline watch only"),
        ("migrate", _migrate, "apply database migrations"),
    ]:
        commands.add_parser(name, help=help_text).set_defaults(handler=handler)
    worker = commands.add_parser("worker", help="one channel's adapter worker")
    worker.add_argument("--channel", required=True, choices=[c.value for c in Channel])
    worker.set_defaults(handler=_worker)
    schemas = commands.add_parser("schemas", help="write or check schemas/*.json")
    schemas.add_argument("--check", action="store_true", help="fail when the files drifted")
    schemas.set_defaults(handler=_schemas)
    stats = commands.add_parser("stats", help="yearly statistics (Directive 2023/977 Art. 18)")
    stats.add_argument("--year", type=_year, required=True, help="calendar year, e.g. 2026")
    stats.add_argument("--format", choices=["csv", "json"], default="csv")
    stats.add_argument("--output", type=Path, help="write to this file instead of stdout")
    stats.set_defaults(handler=_stats)
    auth_commands.register(commands)
    audit_commands.register(commands)
    retention_commands.register(commands)
    dead_letter_commands.register(commands)
    return parser


def _role_name(args: argparse.Namespace) -> str:
    name = args.handler.__name__.lstrip("_")
    channel = getattr(args, "channel", None)
    return f"{name}:{channel}" if channel else name


def _year(value: str) -> int:
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise argparse.ArgumentTypeError(f"{value!r} is not a year between 2000 and 2100")
    return int(value)


def _serve(_args: argparse.Namespace) -> int:
    settings = get_settings()
    check_configuration(settings)  # refuse before touching the database
    asyncio.run(_migrate_async(settings))
    return _run_uvicorn(settings, embedded=True)


def _gateway(_args: argparse.Namespace) -> int:
    return _run_uvicorn(get_settings(), embedded=False)


def _run_uvicorn(settings: Settings, *, embedded: bool) -> int:
    app = create_app(settings, embedded=embedded)
    log.info("serving on http://%s:%d", settings.host, settings.port)
    # log_config=None: uvicorn logs through our JSON handler instead of its own plain text.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,
        access_log=settings.access_log,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds),
    )
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    asyncio.run(_migrate_async(get_settings()))
    return 0


async def _migrate_async(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _relay(_args: argparse.Namespace) -> int:
    return _run_role("relay", lambda runtime: _async_none(runtime.start_relay()))


def _tracker(_args: argparse.Namespace) -> int:
    async def start(runtime: Runtime) -> None:
        await runtime.start_tracker()
        runtime.start_watch()

    return _run_role("tracker", start)


def _watch(_args: argparse.Namespace) -> int:
    return _run_role("watch", lambda runtime: _async_none(runtime.start_watch()))


def _worker(args: argparse.Namespace) -> int:
    channel = Channel(args.channel)
    return _run_role(
        f"worker:{channel}", lambda runtime: runtime.start_workers([channel], dict(os.environ))
    )


async def _async_none(_value: object) -> None:
    return None


def _run_role(role: str, start: Callable[[Runtime], Awaitable[object]]) -> int:
    """Run one role until SIGTERM/SIGINT, then stop consuming, let in-flight work finish and be
    acknowledged (``shutdown_grace_seconds``), and exit. A second signal exits at once: what
    was not acknowledged is redelivered by the broker."""

    async def run() -> None:
        settings = get_settings()
        runtime = await Runtime.open(settings, role)
        _handle_signals(runtime, role)
        try:
            await start(runtime)
            await runtime.start_metrics_server()
            log.info("%s started", role)
            await runtime.wait_stopped()
            log.info("%s stopping: finishing in-flight work", role)
        finally:
            await runtime.close()
            log.info("%s stopped", role)

    run_on_uvloop(run())
    return 0


def run_on_uvloop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on uvloop, as uvicorn runs the gateway: its polling, callbacks and socket
    transports cost less CPU per message than asyncio's own loop (decision 0011)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _handle_signals(runtime: Runtime, role: str) -> None:
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig)
        if len(received) > 1:
            log.warning("%s: second %s, exiting at once", role, sig.name)
            os._exit(128 + sig)
        log.info("%s: %s received", role, sig.name)
        runtime.request_stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)


def _schemas(args: argparse.Namespace) -> int:
    if args.check:
        drifted = schemas_export.drifted()
        if drifted:
            print(
                f"schemas drifted: {', '.join(drifted)}; run `oss-router schemas`", file=sys.stderr
            )
            return 1
        return 0
    for path in schemas_export.write():
        print(path)
    return 0


def _stats(args: argparse.Namespace) -> int:
    progress = Progress(f"statistics {args.year}", total=len(stats_service.STEPS))
    stats = asyncio.run(_stats_async(get_settings(), args.year, progress))
    progress.finish()
    text = stats_export.to_csv(stats) if args.format == "csv" else stats_export.to_json(stats)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


async def _stats_async(settings: Settings, year: int, progress: Progress) -> StatsRead:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await stats_service.yearly_stats(
                session, year, utcnow(), progress=lambda step: progress.advance(note=step)
            )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
