"""``oss-router audit verify``: check the audit chain, name the first broken entry."""

import argparse
import sys
from typing import Any

from oss_router.audit.verify import verify
from oss_router.command import run_in_transaction


def verify_chain(args: argparse.Namespace) -> int:
    report = run_in_transaction(verify)
    if not report.ok:
        print(f"BROKEN at entry {report.broken_seq}: {report.reason}", file=sys.stderr)
        print(f"{report.entries} entries before it are intact", file=sys.stderr)
        return 1
    if args.expect_head and not _contains(args.expect_head, report.head_seq):
        return 1
    print(f"ok: {report.entries} entries; head {report.head_seq}:{report.head_hash}")
    return 0


def _contains(expected: str, head_seq: int) -> bool:
    seq, _, digest = expected.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        print("--expect-head takes SEQ:HASH as printed by audit verify", file=sys.stderr)
        return False
    anchored = run_in_transaction(lambda session: _hash_at(session, int(seq)))
    if int(seq) > head_seq or anchored != digest:
        print(f"BROKEN: entry {seq} no longer has the hash {digest}", file=sys.stderr)
        return False
    return True


async def _hash_at(session: Any, seq: int) -> str | None:
    from oss_router.models import AuditEntry

    entry = await session.get(AuditEntry, seq)
    return None if entry is None else str(entry.hash)
