"""The hash chain: how an entry's hash is computed, and how the whole chain is checked."""

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from oss_router.models import AuditEntry

GENESIS_HASH = "0" * 64


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the canonical JSON of every field of ``entry`` and its ``prev_hash``."""
    document: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": entry.action,
        "actor": entry.actor,
        "role": entry.role,
        "unit": entry.unit,
        "request_id": str(entry.request_id) if entry.request_id else None,
        "justification": entry.justification,
        "recipients": entry.recipients,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and self.reason is None


async def check_chain(
    entries: AsyncIterator[AuditEntry], head_seq: int, head_hash: str
) -> ChainReport:
    """Walk the entries in ``seq`` order; name the first one that breaks the chain.

    Catches an edited entry (its hash no longer matches), a deleted or inserted one (``seq`` or
    ``prev_hash`` no longer follow), and a truncated tail (the chain head names a later entry).
    """
    previous_seq, previous_hash, count = 0, GENESIS_HASH, 0
    async for entry in entries:
        if entry.seq != previous_seq + 1:
            reason = f"entry {previous_seq + 1} is missing (the next one is {entry.seq})"
            return ChainReport(count, head_seq, head_hash, previous_seq + 1, reason)
        problem = _entry_problem(entry, previous_hash)
        if problem is not None:
            return ChainReport(count, head_seq, head_hash, entry.seq, problem)
        previous_seq, previous_hash, count = entry.seq, entry.hash, count + 1
    if (previous_seq, previous_hash) != (head_seq, head_hash):
        reason = f"the chain head names entry {head_seq} but the log ends at {previous_seq}"
        return ChainReport(count, head_seq, head_hash, previous_seq + 1, reason)
    return ChainReport(count, head_seq, head_hash)


def _entry_problem(entry: AuditEntry, previous_hash: str) -> str | None:
    if entry.prev_hash != previous_hash:
        return "prev_hash does not match the previous entry's hash"
    if entry.hash != entry_hash(entry):
        return "the entry's content does not match its hash (edited)"
    return None
