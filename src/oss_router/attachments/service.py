"""The attachments seam the conversation code calls (issue 15). Never commits.

The signatures are fixed; the attachments slice fills the bodies.
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from oss_router.auth.principal import Principal
from oss_router.messages.conversation import WireAttachment
from oss_router.models import ExchangeMessage
from oss_router.unit_of_work import UnitOfWork


async def claim_for_message(
    work: UnitOfWork,
    attachment_ids: Sequence[UUID],
    message: ExchangeMessage,
    principal: Principal,
) -> list[WireAttachment]:
    """Attach the caller's staged uploads to a new outgoing message and return them as they
    travel (bytes included), in the order given. Raises a 422 naming ``attachment_ids`` for
    an unknown id, one uploaded by someone else, one already on a message, too many files or
    too many bytes in all."""
    if not attachment_ids:
        return []
    raise NotImplementedError("attachments: filled by the attachments slice")


async def store_received(
    work: UnitOfWork,
    message: ExchangeMessage,
    attachments: Sequence[WireAttachment],
    now: datetime,
) -> list[str]:
    """Store what a partner sent with an incoming message, after the same checks as an
    upload (checksum, type found in the bytes, sizes). Returns a sentence per file refused
    (the message itself is registered all the same, saying so)."""
    if not attachments:
        return []
    raise NotImplementedError("attachments: filled by the attachments slice")
