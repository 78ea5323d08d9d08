"""Files of every accepted type (and a few that are not), built in memory, and messages written
straight into the database for the attachment tests (the conversation endpoints are another
package's)."""

import os
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import FastAPI

from oss_router.models import ExchangeMessage

GS, FS, RS, US = b"\x1d", b"\x1c", b"\x1e", b"\x1f"


def padding(size: int) -> bytes:
    return os.urandom(size)


def jpeg(size: int = 2048) -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + padding(max(size - 13, 0))


def png(size: int = 2048) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + padding(max(size - 16, 0))


def tiff(size: int = 2048) -> bytes:
    return b"II*\x00\x08\x00\x00\x00" + padding(max(size - 8, 0))


def pdf(size: int = 2048) -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + padding(max(size - 15, 0))


def nist(size: int = 2048, *, field_digits: int = 3) -> bytes:
    """An ANSI/NIST-ITL transaction: a Type-1 record (LEN, VER, CNT, TOT ...), then one
    record of filler (a Type-2 in shape only)."""
    tag = f"1.{{:0{field_digits}d}}:"
    fields = [
        tag.format(2) + "0502",
        tag.format(3) + "1\x1f1\x1e2\x1f00",
        tag.format(4) + "CRM",
        tag.format(5) + "20261202",
        tag.format(7) + "PLABW0000",
        tag.format(8) + "DEBKA0000",
        tag.format(9) + "PL-2026-0001",
    ]
    rest = GS.join(field.encode() for field in fields) + FS
    length = 0
    while True:  # LEN counts its own digits
        head = (tag.format(1) + str(length)).encode() + GS
        if len(head) + len(rest) == length:
            break
        length = len(head) + len(rest)
    type1 = head + rest
    filler = b"2.001:" + padding(max(size - len(type1) - 7, 0)).replace(FS, b"x") + FS
    return type1 + filler


def exe(size: int = 2048) -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * max(size - 14, 0)


def message_row(**overrides: Any) -> ExchangeMessage:
    """An outgoing follow-up on no thread yet (give it one with the overrides)."""
    now = overrides.pop("now", None) or datetime.fromisoformat("2026-12-02T08:00:00+00:00")
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "direction": "outgoing",
        "type": "follow_up",
        "channel": "europol",
        "country": "DE",
        "handling_code": "H0",
        "status": "queued",
        "attempts": 0,
        "correlation_id": str(uuid.uuid4()),
        "created_by": "officer:sofia",
        "created_at": now,
        "updated_at": now,
        "body": {"text": "Please send the photograph."},
    }
    values.update(overrides)
    return ExchangeMessage(**values)


async def seed_message(app: FastAPI, **overrides: Any) -> UUID:
    row = message_row(**overrides)
    async with app.state.runtime.sessions() as session:
        session.add(row)
        await session.commit()
    return row.id
