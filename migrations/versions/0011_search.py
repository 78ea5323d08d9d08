"""search: trigram indexes on search_text, and search_text of the rows written before

Revision ID: 0011_search
Revises: 0010_conversations
Create Date: 2026-12-02 08:30:00

Issue 15 (``GET /v1/search``, decision 0032). On PostgreSQL: the ``pg_trgm`` extension and a
GIN trigram index (``gin_trgm_ops``) on ``search_text`` of ``exchange_requests``,
``inbound_requests``, ``case_files`` and ``exchange_messages``, which ``LIKE '%word%'`` uses
for words of three characters or more. If the extension is missing and the migration's role
may not create it, the migration stops with a message saying what to do (docs/deployment.md).
SQLite gets no index: a search there scans the normalised text (``LIKE``), which is fast
enough at an embedded installation's size.

On both: ``search_text`` of the rows that have none yet (written before this revision, not
purged) is computed from their subject, references and title with the same functions as at
write time (``oss_router.search.documents``), in batches of 1,000 rows.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from oss_router.search.documents import case_text, inbound_text, request_text
from oss_router.search.text import search_text

revision: str = "0011_search"
down_revision: str | None = "0010_conversations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BATCH = 1000
INDEXES = {
    "exchange_requests": "ix_requests_search",
    "inbound_requests": "ix_inbound_search",
    "case_files": "ix_case_files_search",
    "exchange_messages": "ix_exchange_messages_search",
}
NO_PG_TRGM = (
    "migration 0011_search needs the PostgreSQL extension pg_trgm (trigram indexes for "
    "GET /v1/search), and {problem}. Ask a database superuser to run "
    "'CREATE EXTENSION IF NOT EXISTS pg_trgm;' in database {database} (on Debian and Ubuntu "
    "it ships with the postgresql-contrib package), then run the migration again "
    "(docs/deployment.md)."
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _require_pg_trgm(bind)
        for table, name in INDEXES.items():
            op.create_index(
                name,
                table,
                ["search_text"],
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
            )
    _backfill(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, name in INDEXES.items():
            op.drop_index(name, table_name=table)
    # The extension stays: other databases' objects may use it, and dropping it needs rights
    # the migration's role may not have. The search_text values stay too (0010's column).


def _require_pg_trgm(bind: sa.Connection) -> None:
    """The extension, created if missing; a clear error if it cannot be."""
    installed = bind.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    if installed:
        return
    database = bind.scalar(sa.text("SELECT current_database()"))
    available = bind.scalar(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"))
    if not available:
        problem = "the server does not have it installed"
        raise RuntimeError(NO_PG_TRGM.format(problem=problem, database=database))
    try:
        with bind.begin_nested():  # a savepoint: a refusal leaves the transaction usable
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        problem = f"this role may not create it ({error.orig})"
        raise RuntimeError(NO_PG_TRGM.format(problem=problem, database=database)) from None


def _backfill(bind: sa.Connection) -> None:
    requests = sa.table(
        "exchange_requests",
        sa.column("id", sa.Uuid()),
        sa.column("subject", JSON_DOC),
        sa.column("reference", sa.String()),
        sa.column("sis_alert_id", sa.String()),
        sa.column("purged_at", sa.DateTime(timezone=True)),
        sa.column("search_text", sa.Text()),
    )
    inbound = sa.table(
        "inbound_requests",
        sa.column("id", sa.Uuid()),
        sa.column("subject", JSON_DOC),
        sa.column("partner_reference", sa.String()),
        sa.column("requesting_authority", sa.String()),
        sa.column("purged_at", sa.DateTime(timezone=True)),
        sa.column("search_text", sa.Text()),
    )
    cases = sa.table(
        "case_files",
        sa.column("id", sa.Uuid()),
        sa.column("reference", sa.String()),
        sa.column("title", sa.Text()),
        sa.column("purged_at", sa.DateTime(timezone=True)),
        sa.column("search_text", sa.Text()),
    )
    messages = sa.table(
        "exchange_messages",
        sa.column("id", sa.Uuid()),
        sa.column("body", JSON_DOC),
        sa.column("partner_reference", sa.String()),
        sa.column("partner_message_reference", sa.String()),
        sa.column("purged_at", sa.DateTime(timezone=True)),
        sa.column("search_text", sa.Text()),
    )
    _fill(bind, requests, lambda r: request_text(r.subject, r.reference, r.sis_alert_id))
    _fill(
        bind,
        inbound,
        lambda r: inbound_text(r.subject, r.partner_reference, r.requesting_authority),
    )
    _fill(bind, cases, lambda r: case_text(r.reference, r.title))
    _fill(bind, messages, _message_text)


def _message_text(row: Any) -> str:
    text = (row.body or {}).get("text")
    return search_text([text, row.partner_reference, row.partner_message_reference])


def _fill(bind: sa.Connection, table: sa.TableClause, text_of: Callable[[Any], str]) -> None:
    """``search_text`` of every row without one that is not purged, ``BATCH`` rows at a time
    in id order (keyset: each batch's query starts after the last id of the one before)."""
    columns = [column for column in table.c if column.name not in ("purged_at", "search_text")]
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(search_text=sa.bindparam("text"))
    )
    last = None
    while True:
        query = (
            sa.select(*columns)
            .where(table.c.search_text.is_(None), table.c.purged_at.is_(None))
            .order_by(table.c.id)
            .limit(BATCH)
        )
        if last is not None:
            query = query.where(table.c.id > last)
        rows = bind.execute(query).all()
        if not rows:
            return
        bind.execute(update, [{"row_id": row.id, "text": text_of(row)} for row in rows])
        last = rows[-1].id
