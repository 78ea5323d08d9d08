"""Checking the stored audit chain: `oss-router audit verify`, `GET /v1/audit/verification`."""

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import repository
from oss_router.audit.chain import GENESIS, Anchor, ChainReport, check_chain
from oss_router.db import SessionMaker, transaction
from oss_router.models import AuditEntry

BATCH = 1000


async def verify(session: AsyncSession, expected: Anchor | None = None) -> ChainReport:
    """Check every entry up to the chain head read at the start, in ``session``'s transaction
    (later appends are left out: the head and the entries it covers were committed together)."""
    head = await repository.head(session)

    async def batches() -> AsyncIterator[AuditEntry]:
        after = 0
        while rows := await repository.entries_after(session, after, head.seq, BATCH):
            for row in rows:
                yield row
            after = rows[-1].seq

    return await check_chain(batches(), Anchor(head.seq, head.hash), expected)


async def verify_in_batches(
    sessions: SessionMaker, expected: Anchor | None = None, start: Anchor = GENESIS
) -> ChainReport:
    """The same check, each batch in a short transaction of its own: a long walk never holds
    one transaction open (on SQLite a transaction holds the write lock and would stop every
    writer). Entries up to the head never change, so the batches see one consistent chain.
    ``start``: an entry already verified; only the entries after it are walked."""
    async with transaction(sessions) as session:
        head = await repository.head(session)

    async def batches() -> AsyncIterator[AuditEntry]:
        after = start.seq
        while True:
            async with transaction(sessions) as session:
                rows = await repository.entries_after(session, after, head.seq, BATCH)
            for row in rows:
                yield row
            if len(rows) < BATCH:
                return
            after = rows[-1].seq

    return await check_chain(batches(), Anchor(head.seq, head.hash), expected, start)
