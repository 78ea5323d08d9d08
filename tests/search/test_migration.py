"""Migration 0011_search: rows written before it get their ``search_text``; on PostgreSQL the
searches use the trigram indexes it creates."""

import uuid
from typing import Any

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.db import transaction
from oss_router.migrate import alembic_config, upgrade
from oss_router.models import CaseFile, ExchangeMessage, ExchangeRequest, InboundRequest, dialect
from oss_router.search import repository
from tests.search.conftest import T0, case_body, registration, request_body, store_message


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def _found(http: httpx.AsyncClient, q: str) -> set[str]:
    response = await http.get("/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return {item["type"] for item in response.json()["items"]}


async def test_rows_written_before_the_migration_are_found_after_it(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    subject = {"family_name": "Jørgensen", "given_names": "Åse"}
    await http.post("/v1/requests", json=request_body(subject=subject, reference="OLD-1"))
    await http.post("/v1/inbound", json=registration(subject=subject, partner_reference="OLD-2"))
    await http.post("/v1/cases", json=case_body("OLD-3", title="Jørgensen family"))
    message_id = await store_message(app, "Jørgensen seen in Malmö", T0)
    async with transaction(app.state.runtime.sessions) as session:
        for model in (ExchangeRequest, InboundRequest, CaseFile, ExchangeMessage):
            await session.execute(update(model).values(search_text=None))
    assert await _found(http, "jorgensen") == set()
    engine = app.state.runtime.engine
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, "0010_conversations")
    await upgrade(engine)
    assert await _found(http, "jorgensen") == {"request", "inbound", "case", "message"}
    assert await _found(http, "ase jorgensen") == {"request", "inbound"}
    async with app.state.runtime.sessions() as session:
        message = await session.get(ExchangeMessage, uuid.UUID(str(message_id)))
        assert message is not None
        assert message.search_text is not None
        assert "malmo" in message.search_text


async def _plan(session: AsyncSession, type_: str) -> str:
    query = repository.SearchQuery(("kowalski", "wf0x"), (type_,), None, 25)
    statement = repository.statement_for(type_, query)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = (await session.execute(text(f"EXPLAIN {compiled}"))).all()
    return "\n".join(str(row[0]) for row in rows)


async def test_postgresql_searches_through_the_trigram_indexes(app: FastAPI) -> None:
    """Each of the four statements can use its GIN trigram index (the planner's choice on a
    table this small would be a scan either way, so sequential scans are priced out: what is
    checked is that the index fits the statement)."""
    async with app.state.runtime.sessions() as session:
        if not dialect.is_postgres(session):
            pytest.skip("trigram indexes are PostgreSQL's")
        plans: dict[str, Any] = {}
        for type_, index in (
            ("request", "ix_requests_search"),
            ("inbound", "ix_inbound_search"),
            ("case", "ix_case_files_search"),
            ("message", "ix_exchange_messages_search"),
        ):
            plans[type_] = await _plan(session, type_)
            assert index in plans[type_], plans[type_]
