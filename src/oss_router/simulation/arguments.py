"""The arguments of ``oss-router simulate inbound``; the handler is imported only when it runs."""

import argparse
from typing import Any

from oss_router.command_line import lazy
from oss_router.messages.codes import RECEIVING_CHANNELS

MAX_COUNT = 1_000  # as SimulationOrder allows


def register(commands: Any) -> None:
    parser = commands.add_parser("simulate", help="make a stub partner send requests now")
    actions = parser.add_subparsers(required=True, metavar="what")
    inbound = actions.add_parser(
        "inbound", help="the channel's stub partner sends N requests to the bureau"
    )
    inbound.add_argument(
        "--channel",
        dest="partner_channel",  # not ``channel``: that names a worker's role in the logs
        required=True,
        choices=[channel.value for channel in RECEIVING_CHANNELS],
    )
    inbound.add_argument("--count", type=_count, required=True, help=f"1 to {MAX_COUNT}")
    inbound.add_argument("--urgent", action="store_true", help="every request urgent")
    inbound.add_argument(
        "--token",
        help="bearer token for the running service (embedded deployment; default: one from "
        "the development issuer)",
    )
    inbound.set_defaults(handler=lazy("oss_router.simulation.commands:inbound"))


def _count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1 to {MAX_COUNT}")
    return int(value)
