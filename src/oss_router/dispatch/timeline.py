"""Appending events to a request's timeline (append-only: events are never updated, except by
the retention purge, which strips their free text: retention/service.py)."""

import json
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, Text, TextClause, bindparam, event, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from oss_router.models import RequestEvent

_ROWS = "oss_router.timeline_rows"
_TABLE = cast(Table, RequestEvent.__table__)


def record(
    session: AsyncSession,
    *,
    request_id: UUID,
    type: str,
    actor: str,
    at: datetime,
    dispatch_id: UUID | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    values = {
        "request_id": request_id,
        "dispatch_id": dispatch_id,
        "at": at,
        "type": type,
        "from_status": from_status,
        "to_status": to_status,
        "actor": actor,
        "detail": detail or {},
    }
    rows: list[dict[str, Any]] | None = session.info.get(_ROWS)
    if rows is not None:
        rows.append(values)
    else:
        session.add(RequestEvent(**values))


def as_rows(session: AsyncSession) -> None:
    """Record this session's events as plain rows, inserted by one statement when it commits.

    For the relay and the tracker, which record several events per request on rows they only
    update: an ORM object per event (instrumented construction, cascades, a flush that fetches
    each generated id with a statement whose text changes with the number of rows) was about
    a quarter of the tracker's CPU. The events are not visible to queries of the same
    transaction before its commit; nothing in those two roles reads them back.
    """
    session.info[_ROWS] = []


@event.listens_for(Session, "before_commit")
def _insert_rows(session: Session) -> None:
    rows = session.info.pop(_ROWS, None)
    if not rows:
        return
    # The rows' own changes first, in the order the ORM would use: inserting the events before
    # updating their requests cost PostgreSQL about a third more CPU in the relay's
    # transactions (measured with bench/relay_tracker.py; presumably the foreign key checks'
    # locks on rows that are then updated).
    session.flush()
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(_TABLE), rows)
        return
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    for row in rows:
        for name in _COLUMNS:
            columns[name].append(row[name])
    columns["detail"] = [json.dumps(detail) for detail in columns["detail"]]
    connection.execute(_UNNEST_INSERT, columns)


_COLUMNS = [
    "request_id",
    "dispatch_id",
    "at",
    "type",
    "from_status",
    "to_status",
    "actor",
    "detail",
]


def _unnest_insert() -> TextClause:
    """All rows in one statement of one text, one array parameter per column: the server runs
    one insert, not one per row (``executemany``), and asyncpg prepares it once."""
    names = ", ".join(_COLUMNS)
    arrays = ", ".join(f":{name}" for name in _COLUMNS)
    values = names.replace("detail", "CAST(detail AS JSONB)")
    # Only column names from the model and placeholders: no value is ever interpolated. The
    # ordinality keeps the recording order, which the generated ids (the timeline's order)
    # follow.
    sql = (
        f"INSERT INTO {_TABLE.name} ({names}) SELECT {values}"  # noqa: S608
        f" FROM unnest({arrays}) WITH ORDINALITY AS event({names}, position) ORDER BY position"
    )
    types = {name: _TABLE.c[name].type for name in _COLUMNS}
    types["detail"] = Text()
    return text(sql).bindparams(
        *(bindparam(name, type_=ARRAY(column_type)) for name, column_type in types.items())
    )


_UNNEST_INSERT = _unnest_insert()


@event.listens_for(Session, "after_rollback")
def _drop_rows(session: Session) -> None:
    session.info.pop(_ROWS, None)
