"""Looking into the application's database from a test."""

from fastapi import FastAPI
from sqlalchemy import func, select

from oss_router.models import Base, Dispatch, ExchangeRequest, OutboxMessage, RequestEvent

STORED_TABLES: tuple[type[Base], ...] = (ExchangeRequest, Dispatch, RequestEvent, OutboxMessage)


async def count_rows(app: FastAPI, model: type[Base]) -> int:
    async with app.state.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def stored_counts(app: FastAPI) -> dict[str, int]:
    return {model.__tablename__: await count_rows(app, model) for model in STORED_TABLES}
