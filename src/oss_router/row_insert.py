"""Rows inserted as plain values, one statement whatever their number: what the unit of work
and the intake write without an ORM object per row (timeline events, outbox rows, new
requests and their dispatches; decisions 0027 and 0034).

On PostgreSQL ``INSERT … SELECT … FROM unnest(:a, :b, …)``: one array parameter per column, so
one statement text for any number of rows (asyncpg prepares it once per connection), and the
server runs one insert, not one per row as ``executemany`` would. JSON columns travel as text
and are cast to ``JSONB`` by the statement. Elsewhere (SQLite) a Core ``executemany``.

The rows are dictionaries keyed by column name, holding every column the insert names (a
missing key is a bug, not NULL: ``KeyError``); no ORM default, event or relationship runs.
"""

import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Table,
    Text,
    TextClause,
    bindparam,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import DeclarativeBase


class RowInsert:
    """The insert of ``columns`` of ``model``'s table, built once (at import, by its users)."""

    def __init__(self, model: type[DeclarativeBase], columns: Sequence[str]) -> None:
        self.table = cast(Table, model.__table__)
        self.columns = list(columns)
        self._json = {name for name in self.columns if _is_json(self.table, name)}
        self._core = insert(self.table)
        self._unnest = self._unnest_insert()

    async def execute(self, connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if connection.dialect.name != "postgresql":
            await self._execute_many(connection, rows)
            return
        await connection.execute(self._unnest, self.arrays(rows))

    def arrays(self, rows: Sequence[dict[str, Any]], prefix: str = "") -> dict[str, list[Any]]:
        """The parameters of ``unnest_sql(prefix)``: one array per column."""
        arrays = {prefix + name: [row[name] for row in rows] for name in self.columns}
        for name in self._json:
            key = prefix + name
            arrays[key] = [None if value is None else json.dumps(value) for value in arrays[key]]
        return arrays

    def unnest_sql(self, prefix: str = "") -> str:
        """``INSERT … SELECT … FROM unnest(:<prefix><column>, …)``: the statement alone, or a
        part of a ``WITH`` (``row_update.write_together``)."""
        names = ", ".join(self.columns)
        values = ", ".join(
            f"CAST({name} AS JSONB)" if name in self._json else name for name in self.columns
        )
        arrays = ", ".join(f":{prefix}{name}" for name in self.columns)
        # Only column names from the model and placeholders: no value is ever interpolated.
        # The ordinality keeps the rows' order, which generated ids (a timeline's order) follow.
        return (
            f"INSERT INTO {self.table.name} ({names}) SELECT {values}"  # noqa: S608
            f" FROM unnest({arrays}) WITH ORDINALITY AS row_({names}, position_)"
            " ORDER BY position_"
        )

    def bind_params(self, prefix: str = "") -> list[BindParameter[Any]]:
        return [
            bindparam(prefix + name, type_=array_of(self.table.c[name])) for name in self.columns
        ]

    async def _execute_many(
        self, connection: AsyncConnection, rows: Sequence[dict[str, Any]]
    ) -> None:
        """A JSON column's None is left out, so that it is SQL NULL as the ORM stores an unset
        attribute (a JSON ``null`` otherwise); consecutive rows of the same shape go together,
        in their order."""
        shaped = [
            {name: row[name] for name in self.columns if not _json_none(name, row, self._json)}
            for row in rows
        ]
        for _, group in groupby(shaped, key=_shape):
            await connection.execute(self._core, list(group))

    def _unnest_insert(self) -> TextClause:
        return text(self.unnest_sql()).bindparams(*self.bind_params())


def column_values(obj: object, columns: Sequence[str]) -> dict[str, Any]:
    """The row of an ORM object built but never added to a session (unset columns: None)."""
    state = vars(obj)
    return {name: state.get(name) for name in columns}


def all_columns(model: type[DeclarativeBase]) -> list[str]:
    """Every column of ``model``'s table but a generated key (its attributes' names too)."""
    table = cast(Table, model.__table__)
    return [column.name for column in table.columns if column is not table.autoincrement_column]


def array_of(column: ColumnElement[Any]) -> ARRAY[Any]:
    """The array type of a column's values in an ``unnest`` parameter (JSON travels as text)."""
    return ARRAY(Text() if isinstance(column.type, JSON) else column.type)


def _shape(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row)


def _json_none(name: str, row: dict[str, Any], json_columns: set[str]) -> bool:
    return name in json_columns and row[name] is None


def _is_json(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)  # JsonDoc: JSONB on PostgreSQL
