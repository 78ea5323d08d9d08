"""The arguments of ``oss-router audit verify``; its handler (``commands``) is imported
only when it runs."""

from typing import Any

from oss_router.command_line import lazy


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the audit log")
    actions = audit.add_subparsers(required=True, metavar="action")
    check = actions.add_parser("verify", help="check the hash chain of the whole audit log")
    check.add_argument(
        "--expect-head",
        metavar="SEQ:HASH",
        help="a head printed by an earlier run and kept elsewhere: the chain must still "
        "contain it (catches a log rewritten from that point with recomputed hashes)",
    )
    check.set_defaults(handler=lazy("oss_router.audit.commands:verify_chain"))
