"""Requests received from partners, written straight into the database (tests of the actions
and replies that do not need the registration path), and looks into their rows."""

import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from sqlalchemy import select

from oss_router.db import SessionMaker
from oss_router.models import InboundEvent, InboundReply, InboundRequest, OutboxMessage
from oss_router.runtime import Runtime

PERSON = {"family_name": "Nowak", "given_names": "Anna", "date_of_birth": "1985-04-02"}


def inbound_row(received_at: datetime, **overrides: Any) -> InboundRequest:
    """A SIENA request from Germany, normal urgency, due in 7 days (Art. 5(1)(c))."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "channel": "europol",
        "partner_reference": f"DE-{uuid.uuid4().hex[:12]}",
        "source": "channel",
        "requesting_country": "DE",
        "requesting_authority": "BKA Wiesbaden",
        "unit": None,
        "received_at": received_at,
        "registered_at": received_at,
        "registered_by": "system:registrar",
        "kind": "person",
        "subject": dict(PERSON),
        "subject_fingerprint": uuid.uuid4().hex,
        "purpose": "Armed robbery investigation 4711/26",
        "urgency": "normal",
        "urgency_ground": None,
        "access_type": "direct",
        "access_type_source": "registers",
        "language": "de",
        "handling_code": "H0",
        "status": "received",
        "assigned_to": None,
        "due_at": received_at + timedelta(days=7),
        "deadline_basis": "Directive (EU) 2023/977 Art. 5(1)(c): not urgent — 7 days",
        "national_check": None,
        "related": [],
        "correlation_id": str(uuid.uuid4()),
        "updated_at": received_at,
    }
    values.update(overrides)
    return InboundRequest(**values)


def _sessions(owner: FastAPI | Runtime) -> SessionMaker:
    """The sessions of an application (its runtime's) or of a runtime."""
    runtime: Runtime = owner if isinstance(owner, Runtime) else owner.state.runtime
    return runtime.sessions


async def seed_inbound(app: FastAPI | Runtime, received_at: datetime, **overrides: Any) -> UUID:
    row = inbound_row(received_at, **overrides)
    async with _sessions(app)() as session:
        session.add(row)
        await session.commit()
    return row.id


async def load_inbound(app: FastAPI | Runtime, inbound_id: UUID) -> InboundRequest:
    async with _sessions(app)() as session:
        row = await session.get(InboundRequest, inbound_id)
        assert row is not None
        session.expunge(row)
        return row


async def replies_of(app: FastAPI | Runtime, inbound_id: UUID) -> list[InboundReply]:
    async with _sessions(app)() as session:
        query = (
            select(InboundReply)
            .where(InboundReply.inbound_id == inbound_id)
            .order_by(InboundReply.created_at)
        )
        return list((await session.scalars(query)).all())


async def events_of(app: FastAPI | Runtime, inbound_id: UUID) -> list[InboundEvent]:
    async with _sessions(app)() as session:
        query = (
            select(InboundEvent)
            .where(InboundEvent.inbound_id == inbound_id)
            .order_by(InboundEvent.id)
        )
        return list((await session.scalars(query)).all())


async def outbox_of_reply(app: FastAPI | Runtime, reply_id: UUID) -> list[OutboxMessage]:
    async with _sessions(app)() as session:
        query = select(OutboxMessage).where(OutboxMessage.reply_id == reply_id)
        return list((await session.scalars(query)).all())
