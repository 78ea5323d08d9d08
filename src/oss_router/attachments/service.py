"""Attachments: uploads checked in their bytes, staged for their uploader, claimed by an
outgoing message or stored with an incoming one, downloaded as a consultation. Never commits
(the caller's unit of work does).

Every upload and deletion is audited, and so is every download: opening a file is a
consultation of the exchange it belongs to (LED 2016/680 Art. 25), logged like opening the
request. The audit entries never carry the file's name, which may name a person and is erased
by the retention purge, while audit entries are kept.

``claim_for_message`` and ``store_received`` are the seam the conversation code calls (their
signatures are fixed); they write no audit entry of their own: the message's own disclosure or
collection entry, written by the caller, covers what travels with it.
"""

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from oss_router.attachments import access, detection, repository
from oss_router.attachments.filenames import sanitise
from oss_router.attachments.limits import AttachmentLimits
from oss_router.attachments.upload import FIELD, Upload, too_large
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.config import get_settings
from oss_router.errors import Conflict, FieldError, NotFound, ValidationFailed
from oss_router.messages.conversation import WireAttachment
from oss_router.models import Attachment, ExchangeMessage
from oss_router.unit_of_work import UnitOfWork

IDS_FIELD = "attachment_ids"


def _limits(limits: AttachmentLimits | None) -> AttachmentLimits:
    return limits or AttachmentLimits.from_settings(get_settings())


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_content(content: bytes, limits: AttachmentLimits) -> str:
    """The allowed type the bytes are, or the refusal naming ``file``: empty, over the file
    limit (413), or of a type not on the allow-list whatever its name says (422)."""
    if not content:
        raise ValidationFailed(
            "the file is empty",
            errors=[FieldError(FIELD, "The file is empty: choose the file again.")],
        )
    if len(content) > limits.max_file_bytes:
        raise too_large(limits.max_file_bytes)
    content_type = detection.detect(content)
    if content_type is None:
        raise ValidationFailed(
            "the file is not of an accepted type",
            errors=[FieldError(FIELD, _wrong_type_sentence())],
        )
    return content_type


def _wrong_type_sentence() -> str:
    return (
        f"This file is not a {detection.ALLOWED_NAMES} file, whatever its name says: only "
        "those are accepted."
    )


async def upload(
    uow: UnitOfWork,
    received: Upload,
    principal: Principal,
    now: datetime,
    limits: AttachmentLimits | None = None,
) -> Attachment:
    """Check and store an upload, staged for its uploader until a message claims it."""
    content_type = check_content(received.content, _limits(limits))
    attachment = Attachment(
        id=uuid4(),
        message_id=None,
        filename=sanitise(received.filename),
        content_type=content_type,
        size=len(received.content),
        sha256=sha256(received.content),
        uploaded_by=principal.actor,
        unit=principal.unit,
        created_at=now,
        purged_at=None,
    )
    repository.add(uow.session, attachment, received.content)
    record = _record(Action.COLLECTION, attachment, Actor.of(principal), "attachment_uploaded")
    await audit.append(uow.session, [record], now)
    return attachment


async def delete(uow: UnitOfWork, attachment_id: UUID, principal: Principal, now: datetime) -> None:
    """Delete a staged upload of the caller's (409 once a message has it)."""
    attachment, _ = await access.visible(uow.session, attachment_id, principal)
    if attachment.message_id is not None:
        raise Conflict(
            "the attachment is on a message",
            errors=[FieldError("id", "This file was sent or received with a message: it stays.")],
        )
    record = _record(Action.ERASURE, attachment, Actor.of(principal), "attachment_deleted")
    await repository.remove(uow.session, attachment)
    await audit.append(uow.session, [record], now)


async def metadata(uow: UnitOfWork, attachment_id: UUID, principal: Principal) -> Attachment:
    attachment, _ = await access.visible(uow.session, attachment_id, principal)
    return attachment


async def download(
    uow: UnitOfWork, attachment_id: UUID, principal: Principal, now: datetime
) -> tuple[Attachment, bytes]:
    """The attachment and its bytes; the reading is audited as a consultation."""
    attachment, thread = await access.visible(uow.session, attachment_id, principal)
    content = None if attachment.purged_at else await repository.content(uow.session, attachment.id)
    if content is None:
        raise NotFound("the content of this attachment was erased (retention period elapsed)")
    await audit.append(uow.session, [_consultation(attachment, thread, principal)], now)
    return attachment, content


def _consultation(
    attachment: Attachment, thread: access.Thread | None, principal: Principal
) -> AuditRecord:
    detail: dict[str, object] = {
        "via": "attachment",
        "attachment_id": str(attachment.id),
        "sha256": attachment.sha256,
    }
    if attachment.message_id is not None:
        detail["message_id"] = str(attachment.message_id)
    if thread is not None and thread.case_id is not None:
        detail["case_id"] = str(thread.case_id)
    return AuditRecord(
        Action.CONSULTATION,
        Actor.of(principal),
        thread.request_id if thread else None,
        thread.justification if thread else None,
        detail=detail,
        inbound_id=thread.inbound_id if thread else None,
    )


def _record(action: Action, attachment: Attachment, actor: Actor, operation: str) -> AuditRecord:
    return AuditRecord(
        action,
        actor,
        None,
        None,
        detail={
            "operation": operation,
            "attachment_id": str(attachment.id),
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


# --- the seam of the conversation code ----------------------------------------------------


async def claim_for_message(
    work: UnitOfWork,
    attachment_ids: Sequence[UUID],
    message: ExchangeMessage,
    principal: Principal,
    limits: AttachmentLimits | None = None,
) -> list[WireAttachment]:
    """Attach the caller's staged uploads to a new outgoing message (added to the session
    already) and return them as they travel (bytes included), in the order given. Raises a
    422 naming ``attachment_ids`` for
    an unknown id, one uploaded by someone else, one already on a message, too many files or
    too many bytes in all."""
    if not attachment_ids:
        return []
    bounds = _limits(limits)
    ids = list(attachment_ids)
    _check_count(ids, bounds)
    # The message (added by the caller) is written first: the files' rows point at it, and
    # nothing tells the flush to insert it before it updates them.
    await work.session.flush()
    found = {row.id: row for row in await repository.many(work.session, ids, lock=True)}
    _check_claimable(ids, found, principal)
    total = sum(found[key].size for key in ids)
    if total > bounds.max_message_bytes:
        raise _claim_refused(
            f"The files come to {total} bytes; a message carries at most "
            f"{bounds.max_message_bytes}."
        )
    data = await repository.contents(work.session, ids)
    for key in ids:
        found[key].message_id = message.id
    return [_wire(found[key], data[key]) for key in ids]


def _check_count(ids: list[UUID], bounds: AttachmentLimits) -> None:
    if len(ids) > bounds.max_files:
        raise _claim_refused(f"A message carries at most {bounds.max_files} files.")
    if len(set(ids)) != len(ids):
        raise _claim_refused("A file is named twice: name each once.")


def _check_claimable(ids: list[UUID], found: dict[UUID, Attachment], principal: Principal) -> None:
    for key in ids:
        row = found.get(key)
        # Someone else's upload reads as unknown: it does not even show to exist.
        if row is None or row.uploaded_by != principal.actor or row.purged_at is not None:
            raise _claim_refused(f"No upload of yours is {key}: upload the file first.")
        if row.message_id is not None:
            raise _claim_refused(f"The file {key} is on a message already: upload it again.")


def _claim_refused(sentence: str) -> ValidationFailed:
    return ValidationFailed(
        "the attachments cannot go with this message", errors=[FieldError(IDS_FIELD, sentence)]
    )


def _wire(attachment: Attachment, content: bytes) -> WireAttachment:
    return WireAttachment(
        attachment_id=attachment.id,
        filename=attachment.filename or "attachment",
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        content=base64.b64encode(content),  # Base64Bytes: validated from its wire form
    )


async def store_received(
    work: UnitOfWork,
    message: ExchangeMessage,
    attachments: Sequence[WireAttachment],
    now: datetime,
    limits: AttachmentLimits | None = None,
) -> list[str]:
    """Store what a partner sent with an incoming message, after the same checks as an
    upload (checksum, type found in the bytes, sizes). Returns a sentence per file refused
    (the message itself is registered all the same, saying so)."""
    if not attachments:
        return []
    bounds = _limits(limits)
    await work.session.flush()  # the message first (see claim_for_message)
    keys = [_received_id(message.id, wire.attachment_id) for wire in attachments]
    stored = await repository.existing_ids(work.session, keys)  # the message registered again
    refused: list[str] = []
    count, total = 0, 0
    for key, wire in zip(keys, attachments, strict=True):
        name = sanitise(wire.filename)
        problem = _received_problem(wire, bounds, count, total)
        if problem is not None:
            refused.append(f"{name} was not stored: {problem}")
            continue
        count, total = count + 1, total + len(wire.content)
        if key not in stored:
            repository.add(work.session, _received(key, wire, name, message, now), wire.content)
    return refused


def _received_id(message_id: UUID, attachment_id: UUID) -> UUID:
    """One row per file of a message, however often the message is registered."""
    return uuid5(NAMESPACE_URL, f"urn:oss-router:attachment:{message_id}:{attachment_id}")


def _received_problem(
    wire: WireAttachment, bounds: AttachmentLimits, count: int, total: int
) -> str | None:
    content = wire.content
    if not content:
        return "it is empty."
    if len(content) != wire.size or sha256(content) != wire.sha256:
        return "its content does not match its size or checksum (damaged on the way?)."
    if len(content) > bounds.max_file_bytes:
        return f"it has {len(content)} bytes, more than the {bounds.max_file_bytes} accepted."
    if count >= bounds.max_files:
        return f"a message carries at most {bounds.max_files} files."
    if total + len(content) > bounds.max_message_bytes:
        return f"the message's files would exceed {bounds.max_message_bytes} bytes in all."
    if detection.detect(content) is None:
        return f"it is not a {detection.ALLOWED_NAMES} file, whatever its name says."
    return None


def _received(
    key: UUID, wire: WireAttachment, name: str, message: ExchangeMessage, now: datetime
) -> Attachment:
    return Attachment(
        id=key,
        message_id=message.id,
        filename=name,
        content_type=detection.detect(wire.content) or wire.content_type,
        size=len(wire.content),
        sha256=wire.sha256,
        uploaded_by=message.created_by,
        unit=message.unit,
        created_at=now,
        purged_at=None,
    )
