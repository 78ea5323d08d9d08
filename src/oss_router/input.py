"""What every text a client sends must be, whatever field, parameter or header carries it.

PostgreSQL cannot store the NUL character (U+0000) in ``text`` or ``jsonb`` and fails the whole
statement, where SQLite stores it: the same request would be a 500 on one database and stored on
the other. So NUL is refused before anything reaches a database, in two shared places:

- ``InputModel``, the base of every request body model: a validator on all of its fields;
- ``TextGuard`` (input_guard.py), an ASGI middleware: every query parameter and header.

This module imports no web framework: the relay, tracker and workers load the models too.

Lone surrogates (``"\\ud800"``) need no check here: pydantic already refuses them as text.
"""

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

NUL = "\x00"
NUL_MESSAGE = "Remove the NUL character (U+0000): it cannot be part of a text."
NUL_ERROR_TYPE = "nul_character"


def _strings(value: Any) -> Iterator[str]:
    """Every string in a validated field value; nested models check their own fields."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


# A JSON Schema (ECMA-262) pattern: any text without NUL, for the strings the document describes.
NUL_FREE_PATTERN = "^[^\\u0000]*$"


def forbid_nul_in_schema(schema: dict[str, Any]) -> None:
    """Tell the document's readers what ``InputModel`` and ``TextGuard`` refuse: each string
    without a pattern, format or closed set of values gets ``NUL_FREE_PATTERN``."""
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(schema):
        schema["pattern"] = NUL_FREE_PATTERN
    for value in schema.values():
        if isinstance(value, dict):
            forbid_nul_in_schema(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    forbid_nul_in_schema(item)


class InputModel(BaseModel):
    """Base of the models of request bodies: unknown fields refused, text trimmed, no NUL."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=forbid_nul_in_schema
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if any(NUL in text for text in _strings(value)):
            raise PydanticCustomError(NUL_ERROR_TYPE, NUL_MESSAGE)
        return value
