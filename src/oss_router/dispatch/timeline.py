"""Inserting a request's timeline events in one statement (``UnitOfWork.record_event`` records
them; the unit of work inserts them at its commit for the intake, the relay and the tracker,
on PostgreSQL in the one statement of ``row_update.write_together``)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from oss_router.models import RequestEvent
from oss_router.row_insert import RowInsert

EVENTS = RowInsert(
    RequestEvent,
    ["request_id", "dispatch_id", "at", "type", "from_status", "to_status", "actor", "detail"],
)


async def insert_rows(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert timeline rows recorded as plain values (``UnitOfWork(events_as_rows=True)``), in
    the order they were recorded (the timeline's order)."""
    await EVENTS.execute(connection, rows)
