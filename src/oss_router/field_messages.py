"""Validation errors in words a desk officer understands, instead of pydantic's.

Every ``errors[].message`` of a 422 problem is a sentence: what to do, not which constraint of
which library failed. A pattern carries its explanation where it is declared (``explained``);
the other constraints are worded from the error's type and context here.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from oss_router.errors import FieldError

_PATTERN_HINTS: dict[str, str] = {}

# Words for the few fields whose generic sentence would say too little.
_FIELD_SENTENCES: dict[tuple[str, str], str] = {
    ("target_countries", "too_short"): "Add at least one target country.",
    ("target_countries", "too_long"): "Send at most {max_length} target countries.",
    ("kind", "missing"): "Choose what is looked up: {tags}.",
    ("kind", "invalid"): "Choose what is looked up: {tags}.",
    ("subject.loci", "too_short"): "Add the typed loci of the profile.",
}


def fields_detail(fields: Sequence[FieldError]) -> str:
    """The ``detail`` of a validation problem: which fields to correct."""
    names = ", ".join(dict.fromkeys(error.field for error in fields))
    return f"Correct these fields: {names}."


def explained(pattern: str, hint: str) -> str:
    """``pattern``, remembered with the sentence that tells a person what it wants."""
    _PATTERN_HINTS[pattern] = hint
    return pattern


def sentence(error: Mapping[str, Any], field: str) -> str:
    """The sentence for one pydantic error on ``field`` (its name as the API shows it)."""
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    generic = _field_key(field)
    special = _FIELD_SENTENCES.get((generic, kind))
    if special is not None:
        return special.format(**context)
    wording = _WORDINGS.get(kind)
    if wording is not None:
        return wording(context)
    if kind in _OWN_MESSAGE_TYPES:
        return as_sentence(str(error.get("msg", "")).removeprefix("Value error, "))
    return "This value is not valid here."


def _field_key(field: str) -> str:
    """``subject.aliases[2]`` → ``subject.aliases``: the field without its indices."""
    key = ""
    depth = 0
    for char in field:
        depth += char == "["
        if not depth:
            key += char
        depth -= char == "]"
    return key


def as_sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and a full stop."""
    text = text.strip() or "This value is not valid here"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _pattern(context: Mapping[str, Any]) -> str:
    return _PATTERN_HINTS.get(
        str(context.get("pattern")), "This value does not have the expected form."
    )


def _choices(context: Mapping[str, Any]) -> str:
    expected = str(context.get("expected", "")).replace("'", "")
    return f"Choose one of: {expected}." if expected else "Choose one of the listed values."


def _plural(count: Any, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _too_short(context: Mapping[str, Any]) -> str:
    return f"Give at least {_plural(context.get('min_length'), 'item', 'items')}."


def _too_long(context: Mapping[str, Any]) -> str:
    return f"Give at most {_plural(context.get('max_length'), 'item', 'items')}."


def _string_too_short(context: Mapping[str, Any]) -> str:
    count = context.get("min_length")
    if count == 1:
        return "Fill this in: it cannot be empty."
    return f"Write at least {_plural(count, 'character', 'characters')}."


def _string_too_long(context: Mapping[str, Any]) -> str:
    return f"Keep this to {_plural(context.get('max_length'), 'character', 'characters')} at most."


_WORDINGS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda _: "Fill this in: it is required.",
    "extra_forbidden": lambda _: "This field is not part of the request: remove it.",
    "string_type": lambda _: "Give this as text.",
    "string_unicode": lambda _: "Use valid Unicode text (this has a broken character).",
    "string_too_short": _string_too_short,
    "string_too_long": _string_too_long,
    "string_pattern_mismatch": _pattern,
    "too_short": _too_short,
    "too_long": _too_long,
    "enum": _choices,
    "literal_error": _choices,
    "list_type": lambda _: "Give this as a list.",
    "set_type": lambda _: "Give this as a list.",
    "dict_type": lambda _: "Give this as a JSON object.",
    "model_type": lambda _: "Give this as a JSON object.",
    "model_attributes_type": lambda _: "Give this as a JSON object.",
    "bool_type": lambda _: "Use true or false.",
    "bool_parsing": lambda _: "Use true or false.",
    "int_type": lambda _: "Give a whole number.",
    "int_parsing": lambda _: "Give a whole number.",
    "int_from_float": lambda _: "Give a whole number.",
    "int_parsing_size": lambda _: "Give a smaller whole number.",
    "float_type": lambda _: "Give a number.",
    "float_parsing": lambda _: "Give a number.",
    "greater_than_equal": lambda c: f"Give a number of at least {c.get('ge')}.",
    "greater_than": lambda c: f"Give a number greater than {c.get('gt')}.",
    "less_than_equal": lambda c: f"Give a number of at most {c.get('le')}.",
    "less_than": lambda c: f"Give a number less than {c.get('lt')}.",
    "uuid_type": lambda _: "Give an identifier of the form 123e4567-e89b-12d3-a456-426614174000.",
    "uuid_parsing": lambda _: (
        "Give an identifier of the form 123e4567-e89b-12d3-a456-426614174000."
    ),
    "datetime_type": lambda _: "Give a date and time such as 2026-05-01T12:00:00Z.",
    "datetime_parsing": lambda _: "Give a date and time such as 2026-05-01T12:00:00Z.",
    "datetime_from_date_parsing": lambda _: "Give a date and time such as 2026-05-01T12:00:00Z.",
    "datetime_object_invalid": lambda _: "Give a date and time such as 2026-05-01T12:00:00Z.",
    "timezone_aware": lambda _: "Add the time zone, such as Z or +02:00.",
}

# Errors whose message the service wrote itself (ValueError in a validator, custom errors).
_OWN_MESSAGE_TYPES = frozenset({"value_error", "assertion_error", "nul_character"})
