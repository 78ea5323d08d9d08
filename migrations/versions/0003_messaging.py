"""messaging: leases (the SQLite relay's lease), NOTIFY on outbox inserts (PostgreSQL)

Revision ID: 0003_messaging
Revises: 0004_ops
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_messaging"
down_revision: str | None = "0004_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Every transaction that writes outbox rows notifies the listening relays; PostgreSQL delivers
# the notification at commit (never for a rolled-back transaction) and folds the notifications
# of one transaction into one. A trigger costs no extra round trip and no writer can forget it.
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION oss_router_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('oss_router_outbox', '');
    RETURN NULL;
END
$$
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER outbox_messages_notify AFTER INSERT ON outbox_messages
FOR EACH STATEMENT EXECUTE FUNCTION oss_router_outbox_notify()
"""


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_messages_notify ON outbox_messages")
        op.execute("DROP FUNCTION IF EXISTS oss_router_outbox_notify()")
    op.drop_table("leases")
