"""Fixtures of the search tests: the case-file tests' gateway (no workers, frozen clock, fake
national check) and helpers that store messages as the conversation slices will."""

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import FastAPI

from oss_router.models import ExchangeMessage
from oss_router.search.text import search_text
from tests.cases.conftest import (  # noqa: F401 - fixtures
    T0,
    Caller,
    app,
    case_body,
    clock,
    headers,
    http,
    registration,
    request_body,
)

__all__ = ["T0", "Caller", "case_body", "registration", "request_body", "store_message"]


async def store_message(
    application: FastAPI, text: str, at: datetime, *, unit: str | None = None, **overrides: Any
) -> UUID:
    """A received spontaneous message, written as conv-in will write one (search_text from
    its text and references)."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "direction": "incoming",
        "type": "spontaneous",
        "channel": "europol",
        "country": "DE",
        "partner_reference": "DE-SPONT-1",
        "partner_message_reference": None,
        "handling_code": "H0",
        "unit": unit,
        "body": {"text": text},
        "status": "received",
        "attempts": 0,
        "correlation_id": "test",
        "created_by": "partner:europol",
        "created_at": at,
        "updated_at": at,
    }
    values.update(overrides)
    values["search_text"] = search_text([text, values["partner_reference"]])
    async with application.state.runtime.sessions() as session:
        session.add(ExchangeMessage(**values))
        await session.commit()
    return UUID(str(values["id"]))
