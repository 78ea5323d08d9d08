"""Queries about attachments; the only place that builds them.

Metadata (``attachments``) and bytes (``attachment_contents``) are separate rows: reading an
attachment, a message or a thread never loads bytes; a download loads one content row.
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.models import (
    Attachment,
    AttachmentContent,
    CaseFile,
    ExchangeMessage,
    ExchangeRequest,
    InboundRequest,
    dialect,
)


async def get(session: AsyncSession, attachment_id: UUID) -> Attachment | None:
    return await session.get(Attachment, attachment_id)


async def message_of(session: AsyncSession, message_id: UUID) -> ExchangeMessage | None:
    return await session.get(ExchangeMessage, message_id)


async def request_of(session: AsyncSession, request_id: UUID) -> ExchangeRequest | None:
    return await session.get(ExchangeRequest, request_id)


async def inbound_of(session: AsyncSession, inbound_id: UUID) -> InboundRequest | None:
    return await session.get(InboundRequest, inbound_id)


async def case_of(session: AsyncSession, case_id: UUID) -> CaseFile | None:
    return await session.get(CaseFile, case_id)


async def many(
    session: AsyncSession, attachment_ids: Sequence[UUID], *, lock: bool = False
) -> list[Attachment]:
    """The rows of these ids; with ``lock`` held until the transaction ends (PostgreSQL), so
    that two messages claiming the same upload at once cannot both have it."""
    query = select(Attachment).where(Attachment.id.in_(attachment_ids))
    if lock:
        query = dialect.locked(session, query).execution_options(populate_existing=True)
    return list((await session.scalars(query)).all())


async def existing_ids(session: AsyncSession, attachment_ids: Sequence[UUID]) -> set[UUID]:
    query = select(Attachment.id).where(Attachment.id.in_(attachment_ids))
    return set((await session.scalars(query)).all())


async def content(session: AsyncSession, attachment_id: UUID) -> bytes | None:
    """The bytes of one attachment (the one row, nothing else)."""
    query = select(AttachmentContent.content).where(
        AttachmentContent.attachment_id == attachment_id
    )
    value = await session.scalar(query)
    return bytes(value) if value is not None else None


async def contents(session: AsyncSession, attachment_ids: Sequence[UUID]) -> dict[UUID, bytes]:
    query = select(AttachmentContent.attachment_id, AttachmentContent.content).where(
        AttachmentContent.attachment_id.in_(attachment_ids)
    )
    return {key: bytes(value) for key, value in (await session.execute(query)).all()}


def add(session: AsyncSession, attachment: Attachment, data: bytes) -> None:
    session.add(attachment)
    session.add(AttachmentContent(attachment_id=attachment.id, content=data))


async def remove(session: AsyncSession, attachment: Attachment) -> None:
    """Delete a staged upload entirely: its bytes, then its row."""
    await session.execute(
        delete(AttachmentContent).where(AttachmentContent.attachment_id == attachment.id)
    )
    await session.delete(attachment)
    await session.flush()


# --- retention (retention/attachments.py) --------------------------------------------------


def _on_erased_thread() -> ColumnElement[bool]:
    """On a message that was purged, or whose request, received request or case was."""
    message = ExchangeMessage
    return exists().where(
        message.id == Attachment.message_id,
        or_(
            message.purged_at.is_not(None),
            exists().where(
                ExchangeRequest.id == message.request_id, ExchangeRequest.purged_at.is_not(None)
            ),
            exists().where(
                InboundRequest.id == message.inbound_id, InboundRequest.purged_at.is_not(None)
            ),
            exists().where(CaseFile.id == message.case_id, CaseFile.purged_at.is_not(None)),
        ),
    )


async def due_for_erasure(
    session: AsyncSession, staged_before: datetime, limit: int
) -> list[Attachment]:
    """Attachments not erased yet whose thread was purged, and uploads no message claimed
    since before ``staged_before``."""
    staged = Attachment.message_id.is_(None) & (Attachment.created_at < staged_before)
    query = (
        select(Attachment)
        .where(Attachment.purged_at.is_(None), or_(staged, _on_erased_thread()))
        .order_by(Attachment.created_at, Attachment.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def on_threads(
    session: AsyncSession,
    *,
    request_ids: Sequence[UUID] = (),
    inbound_ids: Sequence[UUID] = (),
) -> list[tuple[Attachment, ExchangeMessage]]:
    """The attachments not erased yet on messages of these requests or received requests."""
    if not request_ids and not inbound_ids:
        return []
    query = (
        select(Attachment, ExchangeMessage)
        .join(ExchangeMessage, ExchangeMessage.id == Attachment.message_id)
        .where(
            Attachment.purged_at.is_(None),
            or_(
                ExchangeMessage.request_id.in_(request_ids),
                ExchangeMessage.inbound_id.in_(inbound_ids),
            ),
        )
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def messages(session: AsyncSession, message_ids: Sequence[UUID]) -> list[ExchangeMessage]:
    if not message_ids:
        return []
    query = select(ExchangeMessage).where(ExchangeMessage.id.in_(message_ids))
    return list((await session.scalars(query)).all())


async def delete_contents(session: AsyncSession, attachment_ids: Sequence[UUID]) -> None:
    if attachment_ids:
        await session.execute(
            delete(AttachmentContent).where(AttachmentContent.attachment_id.in_(attachment_ids))
        )


async def ids_of_message(session: AsyncSession, message_id: UUID) -> list[UUID]:
    """The attachments of one message, oldest first (the audit entry of a received one)."""
    query = select(Attachment.id).where(Attachment.message_id == message_id)
    return list((await session.scalars(query.order_by(Attachment.created_at, Attachment.id))).all())
