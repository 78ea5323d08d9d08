"""conversations: messages about an exchange, attachments, search text, automatic reminders

Revision ID: 0010_conversations
Revises: 0009_cases
Create Date: 2026-12-02 08:05:00

Issue 15. New tables ``exchange_messages`` (follow-ups, reminders, additional information,
acknowledgements, answers, spontaneous information under Directive (EU) 2023/977 Art. 7, in
both directions), ``attachments`` and ``attachment_contents`` (metadata and bytes apart).
New nullable columns: ``search_text`` on the requests, received requests and cases (what
``GET /v1/search`` matches), ``dispatches.reminded_at`` (the deadline watch's one automatic
reminder). Nothing existing is rewritten.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_conversations"
down_revision: str | None = "0009_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("dispatch_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("inbound_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("partner_reference", sa.String(length=100), nullable=True),
        sa.Column("partner_message_reference", sa.String(length=100), nullable=True),
        sa.Column("answers_id", sa.Uuid(), nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("handling_code", sa.String(length=2), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("body", JSON_DOC, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("correlation_id", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("received_at", TS, nullable=True),
        sa.Column("purged_at", TS, nullable=True),
        sa.Column("search_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_files.id"], name=op.f("fk_exchange_messages_case_id_case_files")
        ),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
            name=op.f("fk_exchange_messages_dispatch_id_dispatches"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_requests.id"],
            name=op.f("fk_exchange_messages_inbound_id_inbound_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["exchange_requests.id"],
            name=op.f("fk_exchange_messages_request_id_exchange_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_messages")),
    )
    with op.batch_alter_table("exchange_messages", schema=None) as batch_op:
        for name, columns in (
            ("ix_exchange_messages_dispatch", ["dispatch_id", "created_at"]),
            ("ix_exchange_messages_request", ["request_id", "created_at"]),
            ("ix_exchange_messages_inbound", ["inbound_id", "created_at"]),
            ("ix_exchange_messages_case", ["case_id", "created_at"]),
            ("ix_exchange_messages_status", ["status", "updated_at"]),
            ("ix_exchange_messages_type", ["type", "direction", "created_at"]),
        ):
            batch_op.create_index(name, columns, unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("purged_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["exchange_messages.id"],
            name=op.f("fk_attachments_message_id_exchange_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_message", ["message_id"], unique=False)
        batch_op.create_index("ix_attachments_staged", ["uploaded_by", "created_at"], unique=False)

    op.create_table(
        "attachment_contents",
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_attachment_contents_attachment_id_attachments"),
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_attachment_contents")),
    )

    for table in ("exchange_requests", "inbound_requests", "case_files"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
    for table in ("case_files", "inbound_requests", "exchange_requests"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_text")
    op.drop_table("attachment_contents")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_attachments_staged")
        batch_op.drop_index("ix_attachments_message")
    op.drop_table("attachments")
    with op.batch_alter_table("exchange_messages", schema=None) as batch_op:
        for name in (
            "ix_exchange_messages_type",
            "ix_exchange_messages_status",
            "ix_exchange_messages_case",
            "ix_exchange_messages_inbound",
            "ix_exchange_messages_request",
            "ix_exchange_messages_dispatch",
        ):
            batch_op.drop_index(name)
    op.drop_table("exchange_messages")
