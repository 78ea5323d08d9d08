"""File names as shown and offered for download: what a person or partner called the file,
made safe to display and to put in a Content-Disposition header.

A name is only a label here (the type is found in the bytes: detection.py): its directories
are dropped (``..\\..\\boot.ini`` is ``boot.ini``), control and format characters (NUL, bidi
overrides that show ``gpj.exe`` as ``exe.jpg``) removed, characters that Windows or a shell
treat specially replaced by ``_``, and the result kept within 255 characters.
"""

import unicodedata

MAX_LENGTH = 255
FALLBACK = "attachment"
_RESERVED = set('<>:"/\\|?*')
# Unicode categories that show nothing or reorder what follows: control, format (bidi
# overrides, zero-width characters), surrogates, private use, unassigned; line and paragraph
# separators.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def sanitise(name: str | None) -> str:
    """A safe display name for ``name`` (``attachment`` when nothing printable is left)."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]  # the last path segment only
    cleaned = "".join(_safe(char) for char in text)
    cleaned = " ".join(cleaned.split()).strip(" .")  # no leading dots (hidden files), no runs
    if not cleaned:
        return FALLBACK
    return _shortened(cleaned)


def _safe(char: str) -> str:
    if char in _RESERVED:
        return "_"
    if unicodedata.category(char) in _INVISIBLE:
        return " " if char in "\t\n\r" else ""
    return char


def _shortened(name: str) -> str:
    if len(name) <= MAX_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 10:  # keep the extension a reader expects
        return stem[: MAX_LENGTH - len(extension) - 1] + "." + extension
    return name[:MAX_LENGTH]


def ascii_fallback(name: str) -> str:
    """The name in ASCII for the plain ``filename=`` parameter of Content-Disposition
    (RFC 6266 §4.3: the UTF-8 ``filename*`` carries the real one)."""
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in decomposed if char.isascii() and char.isprintable())
    text = text.replace('"', "_").replace("\\", "_").strip(" ")
    if text.startswith("."):  # nothing of the name was ASCII but its extension
        text = FALLBACK + text
    return text.rstrip(".") or FALLBACK
