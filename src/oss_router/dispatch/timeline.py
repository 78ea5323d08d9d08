"""Inserting a request's timeline events in one statement (``UnitOfWork.record_event`` records
them; the unit of work calls this at its commit for the relay and the tracker)."""

import json
from typing import Any, cast

from sqlalchemy import Table, Text, TextClause, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from oss_router.models import RequestEvent

_TABLE = cast(Table, RequestEvent.__table__)


async def insert_rows(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert timeline rows recorded as plain values (``UnitOfWork(events_as_rows=True)``)."""
    if connection.dialect.name != "postgresql":
        await connection.execute(insert(_TABLE), rows)
        return
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    for row in rows:
        for name in _COLUMNS:
            columns[name].append(row[name])
    columns["detail"] = [json.dumps(detail) for detail in columns["detail"]]
    await connection.execute(_UNNEST_INSERT, columns)


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
