"""failed status: a request with a failed, not superseded dispatch derives ``failed``

Revision ID: 0007_failed_status
Revises: 0006_audit_consultations
Create Date: 2026-12-01 22:30:00

Decision 0018: a failed dispatch that was neither re-routed nor retried makes its request
``failed`` whatever its other dispatches do. Requests stored under the old rule (one answered,
one failed: "answered") are re-derived once, so that ``GET /v1/requests?status=failed`` finds
them. Cancelled and erased requests are left alone (their failures need nobody's action).
A data change only; the downgrade leaves the statuses as they are (the old rule would hide
the failures again, and nothing in the schema depends on them).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_failed_status"
down_revision: str | None = "0006_audit_consultations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A dispatch is superseded when a later one (higher position) goes to the same country: the
# supervisor's re-routing, the only way a request gets two dispatches to one country.
_REDERIVE = """
UPDATE exchange_requests SET status = 'failed'
WHERE status NOT IN ('failed', 'cancelled')
  AND purged_at IS NULL
  AND EXISTS (
    SELECT 1 FROM dispatches failed
    WHERE failed.request_id = exchange_requests.id
      AND failed.status = 'failed'
      AND NOT EXISTS (
        SELECT 1 FROM dispatches later
        WHERE later.request_id = failed.request_id
          AND later.country = failed.country
          AND later.position > failed.position
      )
  )
"""


def upgrade() -> None:
    op.execute(_REDERIVE)


def downgrade() -> None:
    pass
