"""The type of a file found in its bytes (attachments/detection.py), and safe file names
(attachments/filenames.py)."""

import pytest

from oss_router.attachments import detection
from oss_router.attachments.filenames import ascii_fallback, sanitise
from tests.support import attachments as files


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (files.jpeg(), "image/jpeg"),
        (files.png(), "image/png"),
        (files.tiff(), "image/tiff"),
        (b"MM\x00*\x00\x00\x00\x08" + files.padding(100), "image/tiff"),
        (files.pdf(), "application/pdf"),
        (files.nist(), "application/x-ansi-nist-itl"),
        (files.nist(field_digits=2), "application/x-ansi-nist-itl"),
    ],
)
def test_accepted_types_are_found_in_the_bytes(content: bytes, expected: str) -> None:
    assert detection.detect(content) == expected


@pytest.mark.parametrize(
    "content",
    [
        files.exe(),
        b"PK\x03\x04" + b"\x00" * 100,  # a zip (an Office document, say)
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\x00" * 100,  # an image, but not one on the list
        b"just some text",
    ],
)
def test_other_types_are_refused(content: bytes) -> None:
    assert detection.detect(content) is None


def test_a_nist_look_alike_without_a_well_formed_type_1_record_is_refused() -> None:
    good = files.nist()
    length = good.index(files.GS)
    assert detection.is_nist_transaction(good, len(good))
    # LEN larger than the file.
    assert not detection.detect(b"1.001:999999" + good[length:])
    # No FS ending the record.
    assert not detection.detect(good.replace(files.FS, b"x"))
    # VER missing: 1.003 comes second.
    assert not detection.detect(b"1.001:30\x1d1.003:1\x1f1\x1c")
    # LEN shorter than the record it opens.
    assert not detection.detect(b"1.001:5" + good[length:])
    # Not ASCII before the record's end.
    assert not detection.detect(good[:20] + b"\xff" + good[21:])


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\scan 1.pdf", "scan 1.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override shows exe.jpg
        ("a\x00b\r\nc.png", "ab c.png"),
        ('what?<is>"this"|*.tif', "what__is__this___.tif"),
        ("...hidden", "hidden"),
        ("", "attachment"),
        (None, "attachment"),
        ("\u200b\u200b", "attachment"),
        ("Zdjęcie ślubne.jpg", "Zdjęcie ślubne.jpg"),
        ("x" * 300 + ".jpeg", "x" * 250 + ".jpeg"),
    ],
)
def test_file_names_are_made_safe_to_show(given: str | None, shown: str) -> None:
    assert sanitise(given) == shown
    assert len(sanitise(given)) <= 255


def test_the_ascii_name_of_a_download_keeps_what_it_can() -> None:
    assert ascii_fallback("Zdjęcie ślubne.jpg") == "Zdjecie slubne.jpg"
    assert ascii_fallback("зображення.png") == "attachment.png"
    assert ascii_fallback('say "hi".pdf') == "say _hi_.pdf"
