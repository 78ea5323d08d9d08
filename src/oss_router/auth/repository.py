"""Queries of OAuth2 clients."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.models import ApiClient


async def get_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    return await session.get(ApiClient, client_id)


async def all_clients(session: AsyncSession) -> list[ApiClient]:
    return list((await session.scalars(select(ApiClient).order_by(ApiClient.client_id))).all())
