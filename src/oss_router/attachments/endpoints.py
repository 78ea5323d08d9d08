"""HTTP endpoints of attachments: ``/v1/attachments``. Thin: they delegate to
``attachments.service``; the upload is read by ``attachments.upload`` before any transaction
opens (on SQLite a transaction holds the database's write lock: a slow upload must not)."""

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import StreamingResponse

from oss_router.attachments import service
from oss_router.attachments.access import READERS, UPLOADERS
from oss_router.attachments.detection import ALLOWED
from oss_router.attachments.filenames import ascii_fallback
from oss_router.attachments.limits import AttachmentLimits
from oss_router.attachments.schemas import AttachmentRead, to_read
from oss_router.attachments.upload import read_upload
from oss_router.auth.principal import Principal
from oss_router.deps import NowDep, RuntimeDep, UnitOfWorkDep, require_roles
from oss_router.unit_of_work import unit_of_work

router = APIRouter(prefix="/v1", tags=["attachments"])

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Uploader = Annotated[Principal, Depends(require_roles(*UPLOADERS))]

CHUNK_BYTES = 64 * 1024  # a download is sent in pieces of this size

FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller's role may not do this (auditors see the audit log only)"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No such attachment the caller may see (someone else's upload, or on "
        "a thread of another PCCC unit), or its content was erased"
    }
}
UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
                "additionalProperties": False,
            }
        }
    },
}


@router.post(
    "/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentRead,
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={
        **FORBIDDEN,
        400: {"description": "The multipart body could not be read"},
        413: {"description": "The file is larger than the limit (``errors`` names ``file``)"},
        415: {"description": "The body is not multipart/form-data"},
        422: {
            "description": "No file, an empty one, or one whose bytes are not JPEG, PNG, TIFF, "
            "PDF or ANSI/NIST-ITL (``errors`` names ``file``)"
        },
    },
)
async def upload_attachment(
    request: Request, response: Response, runtime: RuntimeDep, principal: Uploader, now: NowDep
) -> AttachmentRead:
    """Upload one file (form field ``file``), staged for the caller until a message of theirs
    claims it (``attachment_ids``)."""
    limits = AttachmentLimits.from_settings(runtime.settings)
    received = await read_upload(
        request.headers.get("content-type"), request.stream(), limits.max_file_bytes
    )
    async with unit_of_work(runtime.sessions) as uow:
        attachment = await service.upload(uow, received, principal, now, limits)
    runtime.committed(uow)
    response.headers["Location"] = f"/v1/attachments/{attachment.id}"
    return to_read(attachment)


@router.get(
    "/attachments/{attachment_id}",
    response_model=AttachmentRead,
    responses={**FORBIDDEN, **NOT_FOUND},
)
async def read_attachment(
    attachment_id: UUID, uow: UnitOfWorkDep, principal: Reader
) -> AttachmentRead:
    """What is known of the file (no bytes)."""
    return to_read(await service.metadata(uow, attachment_id, principal))


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The bytes, as a download (audited as a consultation)",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in ALLOWED
            },
        },
        **FORBIDDEN,
        **NOT_FOUND,
    },
)
async def download_attachment(
    attachment_id: UUID, uow: UnitOfWorkDep, principal: Reader, now: NowDep
) -> StreamingResponse:
    """The file's bytes, streamed, with the type found in them; ``ETag`` is their sha256."""
    attachment, content = await service.download(uow, attachment_id, principal, now)
    name = attachment.filename or "attachment"
    headers = {
        "Content-Disposition": content_disposition(name),
        "Content-Length": str(len(content)),
        "ETag": f'"{attachment.sha256}"',
        "X-Content-Type-Options": "nosniff",
        # Whatever a browser makes of it, it runs nothing from it (a PDF's scripts, say).
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    return StreamingResponse(_chunks(content), media_type=attachment.content_type, headers=headers)


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    view = memoryview(content)
    for start in range(0, len(view), CHUNK_BYTES):
        yield bytes(view[start : start + CHUNK_BYTES])


def content_disposition(name: str) -> str:
    """``attachment`` with the name in ASCII and, for any other character, in UTF-8
    (RFC 6266 §4.3, RFC 8187)."""
    fallback = ascii_fallback(name)
    value = f'attachment; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


@router.delete(
    "/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **FORBIDDEN,
        **NOT_FOUND,
        409: {"description": "The file is on a message: it stays"},
    },
)
async def delete_attachment(
    attachment_id: UUID, uow: UnitOfWorkDep, principal: Reader, now: NowDep
) -> Response:
    """Delete a staged upload of the caller's (one no message has claimed)."""
    await service.delete(uow, attachment_id, principal, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
