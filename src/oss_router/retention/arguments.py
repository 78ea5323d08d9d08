"""The arguments of ``oss-router purge``; its handler (``commands``) is imported only when
it runs."""

import argparse
from typing import Any

from oss_router.command_line import lazy


def register(commands: Any) -> None:
    purge = commands.add_parser(
        "purge", help="erase the personal data of requests terminal for longer than DAYS"
    )
    purge.add_argument("--older-than", type=_days, required=True, metavar="DAYS")
    purge.add_argument("--batch-size", type=int, default=200)
    purge.add_argument("--actor", default=None, help="who runs it (default: the OS user)")
    purge.set_defaults(handler=lazy("oss_router.retention.commands:purge"))


def _days(value: str) -> int:
    days = int(value)
    if days < 1:
        raise argparse.ArgumentTypeError("DAYS is at least 1")
    return days
