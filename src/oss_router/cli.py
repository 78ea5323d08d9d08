"""``oss-router``: one command line for every process role.

oss-router serve                    the embedded all-in-one (gateway + relay + tracker + adapters)
oss-router gateway                  HTTP API only
oss-router relay | tracker          outbox relay / result tracker
oss-router worker --channel NAME    one channel's adapter worker
oss-router migrate                  apply database migrations
oss-router schemas [--check]        write (or check) the JSON Schemas in schemas/
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

import uvicorn

from oss_router import schemas_export
from oss_router.app import create_app
from oss_router.config import Settings, get_settings
from oss_router.db import create_engine
from oss_router.messages.codes import Channel
from oss_router.migrate import upgrade
from oss_router.runtime import Runtime

log = logging.getLogger("oss_router")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("OSS_ROUTER_LOG_LEVEL", "INFO"))
    result: int = args.handler(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oss-router", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="command")
    for name, handler, help_text in [
        ("serve", _serve, "embedded all-in-one service"),
        ("gateway", _gateway, "HTTP API only"),
        ("relay", _relay, "outbox relay"),
        ("tracker", _tracker, "result tracker"),
        ("migrate", _migrate, "apply database migrations"),
    ]:
        commands.add_parser(name, help=help_text).set_defaults(handler=handler)
    worker = commands.add_parser("worker", help="one channel's adapter worker")
    worker.add_argument("--channel", required=True, choices=[c.value for c in Channel])
    worker.set_defaults(handler=_worker)
    schemas = commands.add_parser("schemas", help="write or check schemas/*.json")
    schemas.add_argument("--check", action="store_true", help="fail when the files drifted")
    schemas.set_defaults(handler=_schemas)
    return parser


def _serve(_args: argparse.Namespace) -> int:
    settings = get_settings()
    asyncio.run(_migrate_async(settings))
    return _run_uvicorn(settings, embedded=True)


def _gateway(_args: argparse.Namespace) -> int:
    return _run_uvicorn(get_settings(), embedded=False)


def _run_uvicorn(settings: Settings, *, embedded: bool) -> int:
    app = create_app(settings, embedded=embedded)
    log.info("serving on http://%s:%d", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
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
    return _run_role(lambda runtime: _async_none(runtime.start_relay()))


def _tracker(_args: argparse.Namespace) -> int:
    return _run_role(lambda runtime: runtime.start_tracker())


def _worker(args: argparse.Namespace) -> int:
    channel = Channel(args.channel)
    return _run_role(lambda runtime: runtime.start_workers([channel], dict(os.environ)))


async def _async_none(_value: object) -> None:
    return None


def _run_role(start: Callable[[Runtime], Awaitable[object]]) -> int:
    """Run one role until SIGTERM/SIGINT, then stop consuming and finish in-flight work."""

    async def run() -> None:
        runtime = await Runtime.open(get_settings())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, runtime.request_stop)
        try:
            await start(runtime)
            await runtime.wait_stopped()
        finally:
            await runtime.close()

    asyncio.run(run())
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
