"""audit consultations: index on audit_log (request_id, actor, at)

Revision ID: 0006_audit_consultations
Revises: 0005_inbox_pruning
Create Date: 2026-12-01 22:40:00

A list page logs a request it shows only when the same person has no consultation of it
logged within a window (decision 0019); the index answers that per request shown with one
range lookup instead of reading every entry of the request.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_audit_consultations"
down_revision: str | None = "0005_inbox_pruning"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_log_consulted", "audit_log", ["request_id", "actor", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_consulted", table_name="audit_log")
