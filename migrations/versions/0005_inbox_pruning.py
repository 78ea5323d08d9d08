"""inbox pruning: index on processed_messages.processed_at

Revision ID: 0005_inbox_pruning
Revises: 0002_security
Create Date: 2026-11-21 20:45:00

The trackers now forget applied result ids after ``inbox_retention_hours``; the index lets
them find the oldest without scanning the whole inbox.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_inbox_pruning"
down_revision: str | None = "0002_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_processed_messages_processed_at", "processed_messages", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_messages_processed_at", table_name="processed_messages")
