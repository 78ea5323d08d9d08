"""Which kind of file a sequence of bytes is: decided from the bytes alone, never from the
file's name or the Content-Type a client or partner declares (a program named photo.jpg is a
program).

The allow-list: JPEG, PNG and TIFF images (photographs, scanned documents), PDF documents, and
ANSI/NIST-ITL transaction files (fingerprints, palm prints, face images exchanged between
police authorities). The four common formats are recognised by their signatures with the
``filetype`` library (docs/dependencies.md); the NIST check is ours (``is_nist_transaction``).
"""

import re

import filetype

JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
PDF = "application/pdf"
# No media type is registered for ANSI/NIST-ITL transactions that we know of: this is a
# private label (the ``x-`` form of RFC 6838 §3.4 for unregistered types).
NIST = "application/x-ansi-nist-itl"

ALLOWED = (JPEG, PNG, TIFF, PDF, NIST)
ALLOWED_NAMES = "JPEG, PNG, TIFF, PDF or an ANSI/NIST-ITL transaction"

# How far into a file the signatures are looked for: filetype reads at most 8 KiB; a Type-1
# record (a few dozen ASCII fields) is far shorter than 64 KiB.
HEAD_BYTES = 64 * 1024

# ANSI/NIST-ITL traditional encoding: a transaction begins with its Type-1 record, whose
# fields are ``<record type>.<field number>:<value>`` separated by GS (0x1D), the record ended
# by FS (0x1C). Its first field is 1.001, the record's length in bytes (LEN), its second
# 1.002, the version of the standard (VER, four digits: 0300, 0400, 0500, 0502 ...). The
# field number is written with three digits ("1.001:"); fewer digits, as some older systems
# write it ("1.01:"), is tolerated.
GS, FS = 0x1D, 0x1C
_TYPE_1_START = re.compile(rb"1\.0{0,2}1:([0-9]{1,9})\x1d1\.0{0,2}2:([0-9]{4})[\x1c\x1d]")


def detect(content: bytes) -> str | None:
    """The allowed media type the bytes are, or None (not one we accept)."""
    head = content[:HEAD_BYTES]
    if is_nist_transaction(head, len(content)):
        return NIST
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    return mime if mime in ALLOWED else None


def is_nist_transaction(head: bytes, size: int) -> bool:
    """Does the file begin with a well-formed Type-1 record? Checked: the first two fields
    are LEN (digits) and VER (four digits), the record ends with FS within ``head``, every
    byte before that is 7-bit ASCII, and LEN is at least the record's length and at most the
    file's. (The standard's LEN is the Type-1 record's length; some systems write the whole
    transaction's: both pass.)"""
    match = _TYPE_1_START.match(head)
    if match is None:
        return False
    end = head.find(bytes([FS]))
    if end == -1 or not head[:end].isascii():
        return False
    length = int(match.group(1))
    return end + 1 <= length <= size
