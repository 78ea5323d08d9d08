"""Keyset cursors on (created_at, id), newest first: what every list of the API hands back as
``next_cursor``. Each list names its own ``prefix``, so that a cursor of one list is refused
by another (a 422 naming ``cursor``) instead of silently paging the wrong rows."""

import base64
import binascii
from datetime import datetime
from uuid import UUID

from oss_router.errors import FieldError, ValidationFailed

CURSOR_MESSAGE = "Use the next_cursor of the previous page: this is not a cursor the service gave."


def encode_cursor(prefix: str, created_at: datetime, row_id: UUID) -> str:
    raw = f"{prefix}|{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(prefix: str, cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, created, row_id = raw.split("|")
        moment = datetime.fromisoformat(created)
        if found != prefix or moment.tzinfo is None:
            raise ValueError(raw)
        return moment, UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this service issued",
            errors=[FieldError("cursor", CURSOR_MESSAGE)],
        ) from None
