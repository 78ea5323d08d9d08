"""``oss-router audit verify``: check the audit chain, name the first broken entry."""

import argparse
import sys

from oss_router.audit.chain import Anchor
from oss_router.audit.verify import verify_in_batches
from oss_router.command import run_with_sessions


def verify_chain(args: argparse.Namespace) -> int:
    expected = _anchor(args.expect_head) if args.expect_head else None
    report = run_with_sessions(lambda sessions: verify_in_batches(sessions, expected))
    if not report.ok:
        print(f"BROKEN at entry {report.broken_seq}: {report.reason}", file=sys.stderr)
        print(f"{report.entries} entries before it are intact", file=sys.stderr)
        return 1
    print(f"ok: {report.entries} entries; head {report.head_seq}:{report.head_hash}")
    return 0


def _anchor(head: str) -> Anchor:
    seq, _, digest = head.partition(":")  # checked by arguments.kept_head
    return Anchor(int(seq), digest)
