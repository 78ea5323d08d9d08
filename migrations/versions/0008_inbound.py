"""inbound: requests received from partners, the replies to them, and their timeline

Revision ID: 0008_inbound
Revises: 0007_failed_status
Create Date: 2026-12-02 04:23:25

Issue 13 (Directive (EU) 2023/977 Art. 16(1)(a): incoming requests are recorded too).
``inbound_requests`` is unique on (channel, partner_reference) so that a partner message
registered twice finds the first registration; ``audit_log.inbound_id`` names the received
request an entry is about; ``outbox_messages.reply_id`` lets the relay mark a reply sent.
The columns are added in place (no table copy): the audit log's triggers stay as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_inbound"
down_revision: str | None = "0007_failed_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("partner_reference", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("requesting_country", sa.String(length=2), nullable=False),
        sa.Column("requesting_authority", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "subject",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("subject_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("urgency_ground", sa.String(length=40), nullable=True),
        sa.Column("access_type", sa.String(length=16), nullable=False),
        sa.Column("access_type_source", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("handling_code", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("assigned_to", sa.String(length=200), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_basis", sa.Text(), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "national_check",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "related",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("refusal_ground", sa.String(length=40), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correlation_id", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_requests")),
        sa.UniqueConstraint("channel", "partner_reference", name="uq_inbound_partner_reference"),
    )
    with op.batch_alter_table("inbound_requests", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_assigned", ["assigned_to", "status"], unique=False)
        batch_op.create_index("ix_inbound_due", ["due_at", "id"], unique=False)
        batch_op.create_index(
            "ix_inbound_fingerprint", ["kind", "subject_fingerprint"], unique=False
        )
        batch_op.create_index("ix_inbound_received", ["received_at", "id"], unique=False)
        batch_op.create_index("ix_inbound_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "inbound_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("inbound_id", sa.Uuid(), nullable=False),
        sa.Column("reply_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_requests.id"],
            name=op.f("fk_inbound_events_inbound_id_inbound_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_events")),
    )
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_events_inbound", ["inbound_id", "id"], unique=False)

    op.create_table(
        "inbound_replies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inbound_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("partner_message_reference", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_requests.id"],
            name=op.f("fk_inbound_replies_inbound_id_inbound_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_replies")),
    )
    with op.batch_alter_table("inbound_replies", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_replies_inbound", ["inbound_id"], unique=False)
        batch_op.create_index("ix_inbound_replies_status", ["status", "updated_at"], unique=False)

    op.add_column("audit_log", sa.Column("inbound_id", sa.Uuid(), nullable=True))
    op.create_index("ix_audit_log_inbound", "audit_log", ["inbound_id", "seq"], unique=False)
    op.add_column("outbox_messages", sa.Column("reply_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("reply_id")

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_inbound")
        batch_op.drop_column("inbound_id")

    with op.batch_alter_table("inbound_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_replies_status")
        batch_op.drop_index("ix_inbound_replies_inbound")

    op.drop_table("inbound_replies")
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_events_inbound")

    op.drop_table("inbound_events")
    with op.batch_alter_table("inbound_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_status_due")
        batch_op.drop_index("ix_inbound_received")
        batch_op.drop_index("ix_inbound_fingerprint")
        batch_op.drop_index("ix_inbound_due")
        batch_op.drop_index("ix_inbound_assigned")

    op.drop_table("inbound_requests")
