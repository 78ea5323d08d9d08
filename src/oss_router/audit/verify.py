"""Checking the audit chain as stored (``oss-router audit verify``)."""

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import repository
from oss_router.audit.chain import ChainReport, check_chain


async def verify(session: AsyncSession) -> ChainReport:
    """Check every entry up to the chain head read at the start (later appends are left out:
    the head and the entries it covers were committed together)."""
    head = await repository.head(session)
    entries = repository.in_order(session, up_to=head.seq)
    return await check_chain(entries, head.seq, head.hash)
