"""Reading an upload (``multipart/form-data`` with one part named ``file``) as it streams in,
never holding more than the file limit.

Starlette's own form parser spools a file of any size to disk before the endpoint runs; this
reader counts the file's bytes as each piece of the body arrives and refuses the upload (413
naming ``file``) the moment it passes the limit, so an oversized upload costs at most the
limit in memory and nothing on disk. The gateway bounds the whole body of this route a little
above the file limit as well (``limits.upload_body_limits``, gateway/limits.py).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:  # defined for type checkers only
    from python_multipart.multipart import MultipartCallbacks

from oss_router.errors import (
    FieldError,
    MalformedBody,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

FIELD = "file"
MAX_OTHER_PART_BYTES = 1024  # a form field besides the file is refused; its bytes still count


@dataclass(frozen=True)
class Upload:
    filename: str | None  # as the client named it (sanitised later: filenames.py)
    content: bytes


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file exceeds {limit} bytes",
        errors=[FieldError(FIELD, f"A file may have at most {limit} bytes ({_mib(limit)}).")],
    )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


async def read_upload(
    content_type: str | None, body: AsyncIterator[bytes], max_file_bytes: int
) -> Upload:
    """The one file of a multipart body, read piece by piece from ``body``."""
    boundary = _boundary(content_type)
    reader = _PartReader(max_file_bytes)
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except FormParserError as error:
        raise MalformedBody(
            "the multipart body could not be read",
            errors=[FieldError(FIELD, f"The upload is not well-formed multipart data: {error}.")],
        ) from error
    return reader.upload()


def _boundary(content_type: str | None) -> bytes:
    media, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType(
            "send the file as multipart/form-data",
            errors=[
                FieldError("Content-Type", "Send multipart/form-data with a boundary parameter.")
            ],
        )
    return boundary


class _PartReader:
    """The parser's callbacks: keep the bytes of the part named ``file``, refuse the rest."""

    def __init__(self, max_file_bytes: int) -> None:
        self.max_file_bytes = max_file_bytes
        self.files: list[Upload] = []
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._data = bytearray()
        self._is_file = False
        self._filename: bytes | None = None
        self._other: list[str] = []

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._end,
        }

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name.extend(data[start:end])

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value.extend(data[start:end])

    def _begin(self) -> None:
        self._headers = {}
        self._data = bytearray()
        self._is_file = False

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = name == FIELD
        if not self._is_file:
            self._other.append(name or "part")
        self._filename = params.get(b"filename")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        limit = self.max_file_bytes if self._is_file else MAX_OTHER_PART_BYTES
        if len(self._data) + (end - start) > limit:
            if self._is_file:
                raise too_large(limit)
            raise self._unknown_parts()
        self._data.extend(data[start:end])

    def _end(self) -> None:
        if self._is_file:
            name = self._filename.decode("utf-8", "replace") if self._filename else None
            self.files.append(Upload(name, bytes(self._data)))
        self._data = bytearray()

    def _unknown_parts(self) -> ValidationFailed:
        errors = [
            FieldError(name, f"Only one field is read here: {FIELD}. Remove this one.")
            for name in dict.fromkeys(self._other)
        ]
        return ValidationFailed("the upload has fields besides file", errors=errors)

    def upload(self) -> Upload:
        if self._other:
            raise self._unknown_parts()
        if not self.files:
            raise ValidationFailed(
                "no file was sent",
                errors=[FieldError(FIELD, "Send the file in a form field named file.")],
            )
        if len(self.files) > 1:
            raise ValidationFailed(
                "one file per upload",
                errors=[FieldError(FIELD, "Send one file per upload; upload each separately.")],
            )
        return self.files[0]
