"""A named lease in the database: at most one holder at a time, until it expires.

The relay takes one on SQLite, where it publishes outside its read transaction (holding
SQLite's single write lock while waiting for the broker would stall every writer): the lease is
what keeps a second relay on the same file from publishing the same rows meanwhile.
"""

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.models import Lease


async def acquire(
    session: AsyncSession, name: str, holder: str, now: datetime, duration: timedelta
) -> bool:
    """Take or renew the lease ``name`` for ``holder``; False when someone else holds it."""
    renewed = await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + duration)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount:  # type: ignore[attr-defined]
        return True
    try:
        async with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=now + duration))
    except IntegrityError:
        return False  # held, and not expired
    return True


async def release(session: AsyncSession, name: str, holder: str, now: datetime) -> None:
    await session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
