"""What ``search_text`` holds: normalised words, so that a search matches names with and
without diacritics and identifiers with or without their separators.

The signatures are fixed; the search slice may refine the normalisation.
"""

import unicodedata
from collections.abc import Iterable


def normalise(value: str) -> str:
    """Lower case, diacritics removed (``Müller`` → ``muller``), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def search_text(parts: Iterable[str | None]) -> str:
    """The ``search_text`` of a row from its searchable parts (empty ones skipped)."""
    return " | ".join(normalise(part) for part in parts if part)
