"""The arguments of ``oss-router dead-letters ...``; the handlers (``commands``) are imported
only when a command runs."""

import argparse
import uuid
from typing import Any

from oss_router.command_line import lazy
from oss_router.dead_letter.letters import RESULTS
from oss_router.messages.codes import Channel


def register(commands: Any) -> None:
    parser = commands.add_parser("dead-letters", help="inspect, replay or discard dead letters")
    actions = parser.add_subparsers(required=True, metavar="action")
    listing = actions.add_parser("list", help="show dead letters (no personal data)")
    _channels(listing)
    listing.add_argument("--limit", type=_positive, default=100)
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.set_defaults(handler=lazy("oss_router.dead_letter.commands:list_letters"))
    replay = actions.add_parser("replay", help="send dead letters to their channel again")
    _selection(replay)
    replay.add_argument("--reason", required=True, help="why, e.g. the fix (on the timeline)")
    replay.set_defaults(handler=lazy("oss_router.dead_letter.commands:replay"))
    discard = actions.add_parser("discard", help="remove dead letters for good")
    _selection(discard)
    discard.add_argument("--reason", help="why (on the request's timeline)")
    discard.add_argument("--yes", action="store_true", help="confirm: they cannot come back")
    discard.set_defaults(handler=lazy("oss_router.dead_letter.commands:discard"))


def _channels(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--channel",
        dest="channels",  # not ``channel``: that names a worker's role in the logs
        action="append",
        choices=[channel.value for channel in Channel],
        help="only this channel's dead-letter queue (repeatable; default: every queue)",
    )
    parser.add_argument(
        "--queue",
        dest="queues",
        action="append",
        choices=[RESULTS, *(channel.value for channel in Channel)],
        help=f"only this dead-letter queue: {RESULTS!r} (results the tracker could not apply) "
        "or a channel's (repeatable; default: the results' and every configured channel's)",
    )


def _selection(parser: argparse.ArgumentParser) -> None:
    _channels(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--dispatch", action="append", type=uuid.UUID, metavar="ID", help="repeatable"
    )
    which.add_argument("--all", action="store_true", help="every dead letter of the queues")
    parser.add_argument("--actor", help="who does it (default: the OS user)")


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)
