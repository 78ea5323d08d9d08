"""``oss-router``: one command line for every process role.

oss-router serve                    the embedded all-in-one (gateway + relay + tracker + adapters)
oss-router gateway                  HTTP API only
oss-router relay | tracker          outbox relay / result tracker
oss-router registrar                registers what partners sent through the channels
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
oss-router simulate inbound --channel NAME --count N [--urgent]   a stub partner sends N now
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

# Light imports only: ``--help`` and ``token issue`` must not load the application. Each
# command's handler is named as "module:function" and imported when that command runs.
from oss_router import redaction
from oss_router.audit import arguments as audit_arguments
from oss_router.auth import arguments as auth_arguments
from oss_router.command_line import lazy
from oss_router.dead_letter import arguments as dead_letter_arguments
from oss_router.messages.codes import Channel
from oss_router.retention import arguments as retention_arguments
from oss_router.simulation import arguments as simulate_arguments
from oss_router.startup import StartupError
from oss_router.telemetry.logs import configure_logging


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging(_role_name(args))
    redaction.install()
    try:
        result: int = args.handler(args)
    except StartupError as error:
        print(f"oss-router {error.headline}: {error}", file=sys.stderr)
        return error.exit_code
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oss-router", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="command")
    for name, module, help_text in [
        ("serve", "serving", "embedded all-in-one service"),
        ("gateway", "serving", "HTTP API only"),
        ("relay", "roles", "outbox relay"),
        ("tracker", "roles", "result tracker and deadline watch"),
        ("registrar", "roles", "registers what partners sent through the channels"),
        ("watch", "roles", "deadline watch only"),
        ("migrate", "serving", "apply database migrations"),
    ]:
        handler = lazy(f"oss_router.cli.{module}:{name}")
        commands.add_parser(name, help=help_text).set_defaults(handler=handler)
    worker = commands.add_parser("worker", help="one channel's adapter worker")
    worker.add_argument("--channel", required=True, choices=[c.value for c in Channel])
    worker.set_defaults(handler=lazy("oss_router.cli.roles:worker"))
    schemas = commands.add_parser("schemas", help="write or check schemas/*.json")
    schemas.add_argument("--check", action="store_true", help="fail when the files drifted")
    schemas.set_defaults(handler=_schemas)
    stats = commands.add_parser("stats", help="yearly statistics (Directive 2023/977 Art. 18)")
    stats.add_argument("--year", type=_year, required=True, help="calendar year, e.g. 2026")
    stats.add_argument("--format", choices=["csv", "json"], default="csv")
    stats.add_argument("--output", type=Path, help="write to this file instead of stdout")
    stats.set_defaults(handler=lazy("oss_router.stats.commands:stats"))
    auth_arguments.register(commands)
    audit_arguments.register(commands)
    retention_arguments.register(commands)
    dead_letter_arguments.register(commands)
    simulate_arguments.register(commands)
    return parser


def _role_name(args: argparse.Namespace) -> str:
    name = args.handler.__name__.lstrip("_")
    channel = getattr(args, "channel", None)
    return f"{name}:{channel}" if channel else name


def _year(value: str) -> int:
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise argparse.ArgumentTypeError(f"{value!r} is not a year between 2000 and 2100")
    return int(value)


def _schemas(args: argparse.Namespace) -> int:
    from oss_router import schemas_export  # the wire models: not needed by other commands

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
