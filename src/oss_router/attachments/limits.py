"""The bounds of attachments, from the settings (docs/configuration.md, "Attachments")."""

from dataclasses import dataclass
from datetime import timedelta

from oss_router.config import Settings

MIB = 1024 * 1024
# What a multipart body holds besides the file's bytes: the boundaries and the part's headers
# (a file name of 255 characters, percent-encoded, is under 2 KiB). The gateway admits the
# upload route's body up to the file limit plus this much (gateway/limits.py).
MULTIPART_OVERHEAD_BYTES = 16 * 1024
UPLOAD_PATH = "/v1/attachments"


@dataclass(frozen=True)
class AttachmentLimits:
    max_file_bytes: int = 10 * MIB
    max_message_bytes: int = 25 * MIB
    max_files: int = 10
    staged_for: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> "AttachmentLimits":
        return cls(
            max_file_bytes=settings.attachment_max_bytes,
            max_message_bytes=settings.message_attachments_max_bytes,
            max_files=settings.message_attachments_max_files,
            staged_for=timedelta(hours=settings.attachment_staged_hours),
        )

    @property
    def upload_body_bytes(self) -> int:
        """The largest body the gateway lets through on the upload route."""
        return self.max_file_bytes + MULTIPART_OVERHEAD_BYTES


def upload_body_limits(settings: Settings) -> dict[str, int]:
    """Routes whose bodies may exceed ``max_body_bytes``, each with its own bound."""
    return {UPLOAD_PATH: AttachmentLimits.from_settings(settings).upload_body_bytes}
