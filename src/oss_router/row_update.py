"""The changes the ORM tracks on loaded rows, written with a commit's plain-value inserts in one
statement (PostgreSQL; decision 0035).

The relay and the tracker load requests and dispatches, move their statuses (the one state
machine: ``dispatch/transitions.py``), and commit with timeline events and outbox rows kept
as plain values (``row_insert``). The ORM's flush would send an ``UPDATE`` per table (its
unit-of-work machinery was about a quarter of a batch of one's Python), then each insert went
as a statement of its own. ``write_together`` sends them all as one:

    WITH u0 AS (UPDATE exchange_requests AS t SET status = v.status, …
                FROM unnest(:u0_id, :u0_status, …) AS v(id, status, …) WHERE t.id = v.id),
         u1 AS (UPDATE dispatches …),
         i0 AS (INSERT INTO outbox_messages … SELECT … FROM unnest(…))
    INSERT INTO request_events … SELECT … FROM unnest(…)

one round trip and one prepared statement per shape (which tables, which columns changed).
The sub-statements touch different tables; PostgreSQL runs every one of them exactly once,
and the foreign keys are checked at the end of the statement, once all rows exist. The
objects taken are marked committed and clean, as the flush marks the rows it wrote, so it
has nothing left to do for them; any other pending change (a new object, a
relationship) is left to the flush, which runs first.

Only plain column changes of loaded, persistent rows of the given models are taken: an object
with anything else pending is left whole to the ORM.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import JSON, Table, TextClause, bindparam, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import DeclarativeBase, InstanceState, Session
from sqlalchemy.orm.base import NO_VALUE

from oss_router.row_insert import RowInsert, array_of

# Shapes of combined statements kept compiled: a few per role (which columns a batch changed).
STATEMENT_CACHE = 256


Shape = tuple[Table, tuple[str, ...]]  # a table and the columns an update sets


@dataclass
class TrackedUpdates:
    """Column changes of loaded rows, grouped by table and by the set of columns changed;
    ``taken``: the objects whose pending changes these are (changed or set to the same value)."""

    session: Session
    groups: dict[Shape, list[tuple[Any, dict[str, Any]]]] = field(default_factory=dict)
    taken: list[InstanceState[Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def mark_committed(self) -> None:
        """The taken objects hold what the statement writes as committed, and are clean.

        ``_commit_all_states`` is what the ORM's own flush calls on the rows it wrote: every
        attribute committed, the object off the session's list of modified ones. The public
        ``set_committed_value`` leaves that flag set, and the flush then spends as long
        finding nothing to write as it took to write (tests/test_row_update.py holds SQLAlchemy
        to this). Only objects with nothing but plain column changes are taken, so committing
        all of their attributes is exact."""
        InstanceState._commit_all_states(
            [(state, state.dict) for state in self.taken], self.session.identity_map
        )


def tracked_updates(
    session: AsyncSession, models: tuple[type[DeclarativeBase], ...]
) -> TrackedUpdates:
    """The pending column changes of the session's loaded ``models`` rows (nothing is marked
    committed yet: ``TrackedUpdates.mark_committed`` once written)."""
    updates = TrackedUpdates(session.sync_session)
    for obj in session.sync_session.dirty:
        if not isinstance(obj, models):
            continue
        state = inspect(obj)
        changes = _column_changes(state)
        if changes is None:
            continue
        updates.taken.append(state)
        if changes:
            table = cast(Table, type(obj).__table__)
            updates.groups.setdefault((table, tuple(sorted(changes))), []).append((obj, changes))
    # Sorted: the same changes make the same statement whatever the order objects were loaded.
    updates.groups = dict(sorted(updates.groups.items(), key=lambda item: _shape_key(item[0])))
    return updates


def _shape_key(shape: Shape) -> tuple[str, tuple[str, ...]]:
    return shape[0].name, shape[1]


def _column_changes(state: InstanceState[Any]) -> dict[str, Any] | None:
    """The columns whose value changed since the row was loaded (set to the same value: not
    one of them); None if anything but plain non-key columns of a persistent row is pending."""
    if not state.persistent:
        return None
    columns = state.mapper.column_attrs
    changes: dict[str, Any] = {}
    for key, before in state.committed_state.items():
        prop = columns.get(key)
        if prop is None or len(prop.columns) != 1:
            return None  # a relationship: the ORM's flush handles the object
        column = prop.columns[0]
        if column.key != key or column.primary_key:
            return None
        value = state.dict.get(key, NO_VALUE)
        if value is NO_VALUE:
            return None
        if before is NO_VALUE or before != value:
            changes[key] = value
    return changes


async def write_together(
    connection: AsyncConnection,
    updates: TrackedUpdates,
    inserts: Sequence[tuple[RowInsert, Sequence[dict[str, Any]]]],
) -> None:
    """One statement: every update of ``updates``, then every insert with rows (PostgreSQL).
    The caller marks the updates committed (before the ORM's flush, which would send them
    again otherwise)."""
    written = [(insert, rows) for insert, rows in inserts if rows]
    if updates or written:
        statement = _combined(tuple(updates.groups), tuple(insert for insert, _ in written))
        params: dict[str, Any] = {}
        for index, ((table, columns), changed) in enumerate(updates.groups.items()):
            params.update(_update_arrays(table, columns, changed, f"u{index}_"))
        for index, (insert, rows) in enumerate(written):
            params.update(insert.arrays(rows, f"i{index}_"))
        await connection.execute(statement, params)


@lru_cache(maxsize=STATEMENT_CACHE)
def _combined(updates: tuple[Shape, ...], inserts: tuple[RowInsert, ...]) -> TextClause:
    parts = [_update_sql(table, columns, f"u{i}_") for i, (table, columns) in enumerate(updates)]
    parts += [insert.unnest_sql(f"i{i}_") for i, insert in enumerate(inserts)]
    *ctes, last = parts if inserts else [*parts, "SELECT 1"]
    sql = last
    if ctes:
        sql = "WITH " + ", ".join(f"w{i} AS ({part})" for i, part in enumerate(ctes)) + " " + last
    params = [
        bindparam(f"u{i}_{name}", type_=array_of(table.c[name]))
        for i, (table, columns) in enumerate(updates)
        for name in (_key(table), *columns)
    ]
    params += [p for i, insert in enumerate(inserts) for p in insert.bind_params(f"i{i}_")]
    return text(sql).bindparams(*params)


def _update_sql(table: Table, columns: tuple[str, ...], prefix: str) -> str:
    key = _key(table)
    names = (key, *columns)
    sets = ", ".join(
        f"{name} = CAST(v.{name} AS JSONB)" if _is_json(table, name) else f"{name} = v.{name}"
        for name in columns
    )
    arrays = ", ".join(f":{prefix}{name}" for name in names)
    # Only column names from the model and placeholders: no value is ever interpolated.
    return (
        f"UPDATE {table.name} AS t SET {sets}"  # noqa: S608
        f" FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.{key} = v.{key}"
    )


def _update_arrays(
    table: Table, columns: tuple[str, ...], rows: list[tuple[Any, dict[str, Any]]], prefix: str
) -> dict[str, list[Any]]:
    key = _key(table)
    arrays: dict[str, list[Any]] = {prefix + key: [getattr(obj, key) for obj, _ in rows]}
    for name in columns:
        values = [changes[name] for _, changes in rows]
        # A JSON attribute set to None is JSON null, as the ORM writes it (none_as_null off).
        arrays[prefix + name] = [json.dumps(v) for v in values] if _is_json(table, name) else values
    return arrays


def _key(table: Table) -> str:
    (column,) = table.primary_key.columns
    return column.name


def _is_json(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)
