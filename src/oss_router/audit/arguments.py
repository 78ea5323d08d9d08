"""The arguments of ``oss-router audit verify``; its handler (``commands``) is imported
only when it runs."""

import argparse
import re
from typing import Any

from oss_router.command_line import lazy

HEAD_FORMAT = re.compile(r"\d{1,18}:[0-9a-f]{64}")


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the audit log")
    actions = audit.add_subparsers(required=True, metavar="action")
    check = actions.add_parser("verify", help="check the hash chain of the whole audit log")
    check.add_argument(
        "--expect-head",
        metavar="SEQ:HASH",
        type=kept_head,
        help="a head printed by an earlier run and kept elsewhere: the chain must still "
        "contain it (catches a log rewritten from that point with recomputed hashes)",
    )
    check.set_defaults(handler=lazy("oss_router.audit.commands:verify_chain"))


def kept_head(value: str) -> str:
    """``SEQ:HASH`` as printed by ``audit verify`` (else a usage error, exit 2)."""
    if HEAD_FORMAT.fullmatch(value.strip()) is None:
        raise argparse.ArgumentTypeError(
            "takes SEQ:HASH as printed by audit verify (a number, a colon, 64 hex digits)"
        )
    return value.strip()
