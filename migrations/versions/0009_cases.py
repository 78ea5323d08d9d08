"""cases: case files, the requests filed in them, and their timeline

Revision ID: 0009_cases
Revises: 0008_inbound
Create Date: 2026-12-02 06:05:00

Issue 15 (Directive (EU) 2023/977 Art. 16(1)(a): requests and the communications relating to
them are recorded together). New tables only: ``exchange_requests`` and ``inbound_requests``
are not altered; ``case_links`` says which case a request is filed in (decision 0028).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_cases"
down_revision: str | None = "0008_inbound"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "case_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("crime_area", sa.String(length=40), nullable=False),
        sa.Column("handling_code", sa.String(length=2), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_files")),
        sa.UniqueConstraint("reference", name="uq_case_files_reference"),
    )
    with op.batch_alter_table("case_files", schema=None) as batch_op:
        batch_op.create_index("ix_case_files_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_case_files_owner", ["owner", "created_at"], unique=False)
        batch_op.create_index(
            "ix_case_files_status_created", ["status", "created_at"], unique=False
        )

    op.create_table(
        "case_links",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("inbound_id", sa.Uuid(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "(request_id IS NULL) <> (inbound_id IS NULL)",
            name=op.f("ck_case_links_one_request"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_files.id"], name=op.f("fk_case_links_case_id_case_files")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["exchange_requests.id"],
            name=op.f("fk_case_links_request_id_exchange_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_requests.id"],
            name=op.f("fk_case_links_inbound_id_inbound_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("request_id", name="uq_case_links_request_id"),
        sa.UniqueConstraint("inbound_id", name="uq_case_links_inbound_id"),
    )
    with op.batch_alter_table("case_links", schema=None) as batch_op:
        batch_op.create_index("ix_case_links_case", ["case_id", "id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("inbound_id", sa.Uuid(), nullable=True),
        sa.Column("detail", JSON_DOC, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_files.id"], name=op.f("fk_case_events_case_id_case_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_case_events_case", ["case_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_case_events_case")
    op.drop_table("case_events")
    with op.batch_alter_table("case_links", schema=None) as batch_op:
        batch_op.drop_index("ix_case_links_case")
    op.drop_table("case_links")
    with op.batch_alter_table("case_files", schema=None) as batch_op:
        batch_op.drop_index("ix_case_files_status_created")
        batch_op.drop_index("ix_case_files_owner")
        batch_op.drop_index("ix_case_files_created")
    op.drop_table("case_files")
