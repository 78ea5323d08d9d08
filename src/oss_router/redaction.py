"""No personal data in application logs: a record factory that redacts every log record.

The code logs identifiers (request, dispatch, message ids), never subjects; this is the safety
net for what it does not control: exception texts and tracebacks that quote their input
(pydantic's ``input_value=``, an adapter's error message, a repr of an envelope), including
third-party loggers. Database statement parameters are hidden at the engine
(``hide_parameters``, db.py). Redaction happens when the record is made, so it applies to every
handler (console, files, pytest's capture) alike.
"""

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from oss_router.telemetry.logs import redact as structured_redact

REDACTED = "[redacted]"

# Fields that hold personal data (subjects, answers, free-text justifications).
PERSONAL_FIELDS = (
    "family_name",
    "given_names",
    "date_of_birth",
    "place_of_birth",
    "nationalities",
    "aliases",
    "vin",
    "registration_number",
    "document_number",
    "profile_reference",
    "loci",
    "afis_reference",
    "finger_positions",
    "partner_reference",
    "subject",
    "answer",
    "purpose",
    "override_reason",
    "reason",
    "reference",
    "sis_alert_id",
    "client_secret",
    "access_token",
)
_KEYS = "|".join(PERSONAL_FIELDS)
_VALUE = (
    r'(?:"(?:[^"\\]|\\.)*"'  # a double-quoted string
    r"|'(?:[^'\\]|\\.)*'"  # a single-quoted string
    r"|\[[^\]]*\]"  # a list
    r"|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"  # an object, nested once
    r"|[^,\s)}\]]+)"  # a bare word
)
_PATTERNS = [
    # "family_name": "Kowalski" / 'family_name': 'Kowalski' / family_name='Kowalski'
    re.compile(rf"""(["']?\b(?:{_KEYS})\b["']?\s*[:=]\s*){_VALUE}"""),
    # pydantic: input_value={'family_name': ...}, input_type=dict
    re.compile(rf"(input_value=){_VALUE}"),
    # SQLAlchemy, should parameters ever be shown: [parameters: (...)]
    re.compile(r"(\[parameters: ).*?(?=\]\s*(?:\n|$|\())", re.DOTALL),
    # aiosqlite at DEBUG: "executing %s" with functools.partial(<execute>, 'SQL', (params)) shows
    # every parameter by position (a search_text column holds a subject's words unkeyed)
    re.compile(
        r"(functools\.partial\(<built-in method execute\w* of sqlite3\.\w+ object"
        r" at 0x[0-9a-f]+>, ).*",
        re.DOTALL,
    ),
    # Bearer tokens and JWTs
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"()\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


_installed = False


def install() -> None:
    """Redact every log record this process makes (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    factory = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(make_record)


def _redact_record(record: logging.LogRecord) -> None:
    message = str(record.msg)
    if redact(message) != message:
        # Personal data typed into the format string itself: format first, then redact.
        record.msg, record.args = redact(_formatted(record)), None
    elif isinstance(record.args, Mapping):
        record.args = {key: _redact_arg(value) for key, value in record.args.items()}
    elif record.args:
        # Arguments one by one, so that formatters reading ``args`` (uvicorn's) keep working.
        record.args = tuple(_redact_arg(value) for value in record.args)
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _formatted(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a malformed logging call must still be logged
        return f"{record.msg!r} % {record.args!r}"


def _redact_arg(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, ValidationError | BaseModel | Mapping | list | tuple):
        # Structured values: field by field (telemetry/logs.py), then the text net below.
        value = structured_redact(value)
        if not isinstance(value, str):
            return value
    text = value if isinstance(value, str) else str(value)
    redacted = redact(text)
    return value if redacted == text and isinstance(value, str) else redacted
