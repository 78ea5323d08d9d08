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
    # Entries about a request received from a partner name it; the field is hashed only when
    # set, so every entry written before it existed keeps its hash (the chain still verifies).
    if entry.inbound_id is not None:
        document["inbound_id"] = str(entry.inbound_id)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """An entry's seq and the hash it must have: the chain head, or one kept elsewhere."""

    seq: int
    hash: str


GENESIS = Anchor(0, GENESIS_HASH)


@dataclass(frozen=True)
class ChainReport:
    entries: int  # entries found intact (all of them, or those before the first bad one)
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and self.reason is None


@dataclass(frozen=True)
class _Seen:
    entry: AuditEntry
    computed: str  # the hash of its content as stored now

    @property
    def seq(self) -> int:
        return self.entry.seq

    @property
    def self_consistent(self) -> bool:
        return self.entry.hash == self.computed


async def check_chain(
    entries: AsyncIterator[AuditEntry],
    head: Anchor,
    expected: Anchor | None = None,
    start: Anchor = GENESIS,
) -> ChainReport:
    """Walk the entries in ``seq`` order (those after ``start``); name the first bad one.

    The first bad entry is the first whose content no longer matches what the chain commits
    to: its own hash, its successor's ``prev_hash``, the chain head, or ``expected`` (a head
    kept outside the database). So an entry edited *and* rehashed is named itself, not its
    successor; a deleted entry is named by its missing seq, an inserted one by its own, a
    truncated tail by the first missing seq (decision 0002).
    """
    walk = _Walk(head, expected, start)
    previous: Anchor = start
    current: _Seen | None = None
    async for entry in entries:
        following = _Seen(entry, entry_hash(entry))
        if current is not None:
            problem = walk.check(previous, current, following)
            if problem is not None:
                return walk.report(*problem)
            previous = Anchor(current.seq, current.computed)
        current = following
    if current is not None:
        problem = walk.check(previous, current, None)
        if problem is not None:
            return walk.report(*problem)
        previous = Anchor(current.seq, current.computed)
    problem = walk.check_end(previous)
    return walk.report(*problem) if problem is not None else walk.report(None, None)


@dataclass
class _Walk:
    head: Anchor
    expected: Anchor | None
    start: Anchor
    intact: int = 0

    def report(self, seq: int | None, reason: str | None) -> ChainReport:
        return ChainReport(self.intact, self.head.seq, self.head.hash, seq, reason)

    def check(
        self, previous: Anchor, current: _Seen, following: _Seen | None
    ) -> tuple[int, str] | None:
        problem = (
            _missing(previous, current)
            or _inserted(previous, current, following)
            or _edited(previous, current)
            or self._uncommitted(current, following)
        )
        if problem is None:
            self.intact += 1
        return problem

    def _uncommitted(self, current: _Seen, following: _Seen | None) -> tuple[int, str] | None:
        if following is None and (problem := _head_problem(current, self.head)):
            return problem
        expected = self.expected
        if expected and current.seq == expected.seq and current.computed != expected.hash:
            return current.seq, "the entry no longer has the hash of the head kept elsewhere"
        # Only a successor that is itself intact vouches; an edited one is named next.
        if (
            following is not None
            and following.seq == current.seq + 1
            and following.self_consistent
            and following.entry.prev_hash != current.computed
        ):
            return current.seq, (
                f"the entry's content no longer matches what entry {following.seq} committed "
                "to (edited, its hash recomputed)"
            )
        return None

    def check_end(self, last: Anchor) -> tuple[int, str] | None:
        if last.seq < self.head.seq:
            return last.seq + 1, (
                f"the chain head names entry {self.head.seq} but the log ends at {last.seq}"
            )
        if self.expected is not None and self.expected.seq > last.seq:
            return last.seq + 1, (
                f"the head kept elsewhere names entry {self.expected.seq} but the log ends "
                f"at {last.seq} (truncated)"
            )
        return None


def _missing(previous: Anchor, current: _Seen) -> tuple[int, str] | None:
    if current.seq != previous.seq + 1:
        missing = previous.seq + 1
        return missing, f"entry {missing} is missing (the next one is {current.seq})"
    return None


def _inserted(previous: Anchor, current: _Seen, following: _Seen | None) -> tuple[int, str] | None:
    # The successor links past this entry, to the one before it: this one was put in between.
    if following is not None and following.entry.prev_hash == previous.hash:
        return current.seq, (
            f"the entry was inserted: entry {following.seq} links to entry {previous.seq}"
        )
    return None


def _edited(previous: Anchor, current: _Seen) -> tuple[int, str] | None:
    if not current.self_consistent:
        return current.seq, "the entry's content does not match its hash (edited)"
    if current.entry.prev_hash != previous.hash:
        return current.seq, "prev_hash does not match the previous entry's hash"
    return None


def _head_problem(last: _Seen, head: Anchor) -> tuple[int, str] | None:
    if last.seq == head.seq and last.computed != head.hash:
        return last.seq, (
            "the entry's content no longer matches what the chain head committed to "
            "(edited, its hash recomputed)"
        )
    return None
