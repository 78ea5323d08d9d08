"""A request's timeline events as plain rows (``UnitOfWork.record_event`` with
``events_as_rows``): the unit of work inserts them at its commit in one statement, on
PostgreSQL the one statement of ``row_update.write_together``, in the order they were
recorded (the timeline's order)."""

from oss_router.models import RequestEvent
from oss_router.row_insert import RowInsert

EVENTS = RowInsert(
    RequestEvent,
    ["request_id", "dispatch_id", "at", "type", "from_status", "to_status", "actor", "detail"],
)
