"""Writing outbox rows; never commits (the caller's unit of work does)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.broker.topology import DISPATCH_EXCHANGE
from oss_router.messages.dispatch import ATTEMPT_HEADER, REPLAY_HEADER, DispatchEnvelope
from oss_router.models import OutboxMessage

# Set on a session that staged outbox rows, so that its owner wakes the relay after commit.
OUTBOX_WRITTEN = "oss_router.outbox_written"


def enqueue_dispatch(
    session: AsyncSession, envelope: DispatchEnvelope, now: datetime, *, replay: int = 0
) -> None:
    headers: dict[str, Any] = {ATTEMPT_HEADER: 1, "x-correlation-id": envelope.correlation_id}
    if replay:
        headers[REPLAY_HEADER] = replay
    enqueue(
        session,
        message_id=envelope.message_id,
        exchange=DISPATCH_EXCHANGE,
        routing_key=str(envelope.channel),
        body=envelope.model_dump_json().encode(),
        headers=headers,
        dispatch_id=envelope.dispatch_id,
        now=now,
    )


def enqueue(
    session: AsyncSession,
    *,
    message_id: UUID,
    exchange: str,
    routing_key: str,
    body: bytes,
    headers: dict[str, Any],
    dispatch_id: UUID | None,
    now: datetime,
) -> None:
    session.info[OUTBOX_WRITTEN] = True
    session.add(
        OutboxMessage(
            message_id=message_id,
            exchange=exchange,
            routing_key=routing_key,
            body=body,
            headers=headers,
            dispatch_id=dispatch_id,
            created_at=now,
            attempts=0,
        )
    )
