"""The chain's verification state for the auditor's screen, bounded in cost.

One ``ChainVerifier`` per gateway process keeps the last verified prefix of the chain in
memory: a call walks only the entries appended since, and the whole chain again once the last
full walk is older than ``full_every`` (or when asked, or when a head kept elsewhere is given).
Only the full walk finds an old entry edited after it was verified, hence the period. Calls
take turns (one walk at a time per process), so many auditors cost no more than one.

The last intact head it saw is also kept as an anchor, as an operator keeps one for
``--expect-head``: a log cut back and its head moved back, or rewritten with every hash
recomputed, since that check is named by the next walk.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oss_router.audit.chain import GENESIS, Anchor, ChainReport
from oss_router.audit.verify import verify_in_batches
from oss_router.db import SessionMaker


@dataclass(frozen=True)
class Verification:
    report: ChainReport
    full_walk_at: datetime  # when the whole chain was last walked by this process


@dataclass
class _Prefix:
    end: Anchor  # the last entry verified, with its hash
    entries: int
    full_walk_at: datetime


@dataclass
class ChainVerifier:
    sessions: SessionMaker
    full_every: timedelta
    _prefix: _Prefix | None = None
    _anchor: Anchor | None = None  # the last intact head seen; kept when the chain breaks
    _turn: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def check(
        self, now: datetime, *, expected: Anchor | None = None, full: bool = False
    ) -> Verification:
        async with self._turn:
            prefix = self._prefix
            if full or expected is not None or prefix is None or self._stale(prefix, now):
                return await self._full(now, expected)
            report = await verify_in_batches(self.sessions, start=prefix.end)
            # A head behind the verified prefix, or a broken tail: name the first bad entry
            # of the whole chain, not of the tail.
            if not report.ok or report.head_seq < prefix.end.seq:
                return await self._full(now, expected)
            report = _with_prefix(report, prefix)
            self._remember(report, prefix.full_walk_at)
            return Verification(report, prefix.full_walk_at)

    def _stale(self, prefix: _Prefix, now: datetime) -> bool:
        return now - prefix.full_walk_at >= self.full_every

    async def _full(self, now: datetime, expected: Anchor | None) -> Verification:
        report = await verify_in_batches(self.sessions, expected or self._anchor, GENESIS)
        self._remember(report, now)
        return Verification(report, now)

    def _remember(self, report: ChainReport, full_walk_at: datetime) -> None:
        if report.ok and report.head_seq > 0:
            self._anchor = Anchor(report.head_seq, report.head_hash)
        self._prefix = (
            _Prefix(Anchor(report.head_seq, report.head_hash), report.entries, full_walk_at)
            if report.ok
            else None  # a broken chain is walked in full each time, to name its first bad entry
        )


def _with_prefix(report: ChainReport, prefix: _Prefix) -> ChainReport:
    return ChainReport(
        prefix.entries + report.entries,
        report.head_seq,
        report.head_hash,
        report.broken_seq,
        report.reason,
    )
