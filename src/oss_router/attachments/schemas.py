"""API schema of attachments (``AttachmentRead``, also each item of a message's
``attachments``)."""

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from oss_router.models import Attachment


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    href: str = Field(description="Where its bytes are downloaded")
    filename: str | None = Field(
        description="The name it was given, made safe to show; null once erased (retention)"
    )
    content_type: str = Field(description="The type found in the bytes, not the one declared")
    size: int = Field(description="Bytes")
    sha256: str = Field(description="Hex digest of the bytes")
    message_id: UUID | None = Field(description="The message it is on; null while staged")
    created_at: AwareDatetime


def to_read(attachment: Attachment) -> AttachmentRead:
    return AttachmentRead(
        id=attachment.id,
        href=content_href(attachment.id),
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        message_id=attachment.message_id,
        created_at=attachment.created_at,
    )


def content_href(attachment_id: UUID) -> str:
    return f"/v1/attachments/{attachment_id}/content"
