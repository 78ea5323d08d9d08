"""message outbox rows: outbox_messages.exchange_message_id

Revision ID: 0012_message_outbox
Revises: 0011_search
Create Date: 2026-12-02 14:15:00

Issue 15 (decision 0029). The outbox row of a message of a conversation names its message, as
a dispatch's names its dispatch and a reply's its reply, so that the retention purge deletes
it with the thread: it holds the message's text and its files' bytes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_message_outbox"
down_revision: str | None = "0011_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exchange_message_id", sa.Uuid(), nullable=True))
        batch_op.create_index("ix_outbox_exchange_message", ["exchange_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_exchange_message")
        batch_op.drop_column("exchange_message_id")
