"""What ``search_text`` holds: normalised words, so that a search matches names with and
without diacritics and identifiers with or without their separators (docs/search.md).

- ``normalise``: transliterated to ASCII (``anyascii``: ``Müller`` → ``muller``, ``Straße`` →
  ``strasse``, ``Øre`` → ``ore``, ``Łódź`` → ``lodz``, ``Æ`` → ``ae``, ``Đ`` → ``d``, and
  Cyrillic or Greek spelled in Latin letters), lower case, whitespace collapsed. NFKD alone
  leaves ß, ø, ł, æ, đ as they are: they are letters of their own, not a letter and a mark.
- ``search_text``: each part normalised; a short part (a name, an identifier) also without its
  separators (``WF0X-XXGCDX 1234`` → ``wf0xxxgcdx1234``), a long one (a message's text) with
  each of its words that holds a separator also without it; a part with ä, ö or ü also as
  German spells it without them (``Müller`` → ``mueller``).
- ``query_words``: the words of a search, each normalised the same way and without separators:
  a word then matches the stored text with or without the separators the person typed.

The signatures of ``normalise`` and ``search_text`` are fixed: the conversation slices call
``search_text`` when they write a message.
"""

import re
from collections.abc import Iterable

from anyascii import anyascii

PART_SEPARATOR = " | "
# A part up to this long is stored once more without separators (an identifier or a name);
# a longer one (free text) only its words that hold a separator, so it does not double.
SHORT_PART = 200
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def normalise(value: str) -> str:
    """ASCII, lower case, whitespace collapsed: ``Łukasz  Müller`` → ``lukasz muller``."""
    return " ".join(anyascii(value).casefold().split())


def compact(value: str) -> str:
    """A normalised value with every character but letters and digits removed."""
    return _NOT_ALPHANUMERIC.sub("", value)


def search_text(parts: Iterable[str | None]) -> str:
    """The ``search_text`` of a row from its searchable parts (empty ones skipped)."""
    forms: list[str] = []
    for part in parts:
        if part:
            forms.extend(_forms(part))
    return PART_SEPARATOR.join(dict.fromkeys(form for form in forms if form))


def _forms(part: str) -> list[str]:
    german = part.translate(_GERMAN)
    spellings = [part] if german == part else [part, german]
    forms: list[str] = []
    for spelling in spellings:
        normal = normalise(spelling)
        forms.append(normal)
        if len(normal) <= SHORT_PART:
            forms.append(compact(normal))
        else:
            forms += [compact(word) for word in normal.split() if compact(word) != word]
    return forms


def query_words(query: str) -> list[str]:
    """The words a search looks for, each as ``compact`` leaves it (empty ones dropped)."""
    return [word for word in (compact(each) for each in normalise(query).split()) if word]
