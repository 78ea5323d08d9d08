"""Structured JSON logs, one object per line, with the correlation id and no personal data.

Every record is stamped when it is created (a log record factory), so the correlation id and
the component are those of the code that logged, whichever handler formats the record later.
The same factory is the redaction guard: arguments that are mappings, pydantic models or
validation errors are replaced by copies without subject fields before any handler sees them;
the JSON formatter does the same for ``extra=`` fields and for exceptions.
"""

import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from types import TracebackType
from typing import Any, TextIO

from pydantic import BaseModel, ValidationError

from oss_router.telemetry import context

REDACTED = "[redacted]"

# Free-text and answer fields may carry personal data just like the subject itself.
_FREE_TEXT_KEYS = frozenset({"subject", "answer", "purpose", "override_reason", "input"})

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "correlation_id",
    "role",
    "taskName",
}

_process_role = "oss-router"

# Terminal escape sequences (colours, cursor moves): uvicorn adds a coloured copy of some
# messages (``color_message``), and a message may quote text a client sent. A log line that is
# read by a machine or a pager must carry none of them.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])|\x1b")
_COLOURED_COPY = "color_message"


def without_escapes(text: str) -> str:
    return _ESCAPES.sub("", text) if "\x1b" in text else text


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return without_escapes(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@cache
def redacted_keys() -> frozenset[str]:
    """Every subject field name (derived from the subject models) and free-text fields."""
    from oss_router.messages.subjects import (
        DnaSubject,
        DocumentSubject,
        FingerprintSubject,
        PersonSubject,
        VehicleSubject,
    )

    fields: set[str] = set(_FREE_TEXT_KEYS)
    subjects = (PersonSubject, VehicleSubject, DocumentSubject, DnaSubject, FingerprintSubject)
    for model in subjects:
        fields.update(name for name in model.model_fields if name != "kind")
    return frozenset(fields)


def redact(value: Any) -> Any:
    """A copy of ``value`` safe to log: subject fields replaced, models and errors summarized."""
    if isinstance(value, ValidationError):
        return describe_validation_error(value)
    if isinstance(value, BaseModel):
        return redact(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        keys = redacted_keys()
        return {
            str(key): REDACTED if str(key) in keys else redact(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    return value


def describe_validation_error(error: ValidationError) -> str:
    """Where and why validation failed, without the offending input (it may be personal)."""
    problems = error.errors(include_input=False, include_url=False, include_context=False)
    parts = [f"{'.'.join(str(loc) for loc in p['loc']) or '<root>'}: {p['msg']}" for p in problems]
    return f"{error.error_count()} validation error(s) for {error.title}: " + "; ".join(parts)


def _safe_args(args: Any) -> Any:
    if isinstance(args, Mapping):
        return redact(args)
    if isinstance(args, tuple):
        return tuple(
            redact(arg) if isinstance(arg, Mapping | BaseModel | ValidationError) else arg
            for arg in args
        )
    return args


def _stamping_factory(base: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        record.correlation_id = context.correlation_id.get()
        record.role = context.component.get() or _process_role
        if record.args:
            record.args = _safe_args(record.args)
        return record

    factory.oss_router_stamping = True  # type: ignore[attr-defined]
    return factory


def install_record_factory() -> None:
    """Stamp and redact every record of this process (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "oss_router_stamping", False):
        logging.setLogRecordFactory(_stamping_factory(current))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, role, correlation_id, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "role": getattr(record, "role", _process_role),
            "pid": record.process,
            "correlation_id": getattr(record, "correlation_id", None),
            "message": without_escapes(record.getMessage()),
        }
        extras = {
            k: v
            for k, v in record.__dict__.items()
            if k not in _RECORD_ATTRIBUTES and k != _COLOURED_COPY
        }
        document.update(_plain(redact(extras)))
        if record.exc_info and record.exc_info[0] is not None:
            from oss_router.redaction import redact as redact_text  # it imports this module

            # Exception texts may quote personal data (an adapter's message): the text net too.
            document["exception"] = without_escapes(redact_text(format_exception(record.exc_info)))
        return json.dumps(document, default=str, ensure_ascii=False)


def format_exception(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None],
) -> str:
    """The traceback, with validation errors summarized without their input."""
    kind, error, trace = exc_info
    if isinstance(error, ValidationError):
        frames = "".join(traceback.format_tb(trace))
        return f"Traceback (most recent call last):\n{frames}{describe_validation_error(error)}"
    return "".join(traceback.format_exception(kind, error, trace))


class TextFormatter(logging.Formatter):
    """Human-readable lines for development (``OSS_ROUTER_LOG_FORMAT=text``); coloured (uvicorn's
    coloured copies of its messages) only when they go to a terminal."""

    def __init__(self, *, colour: bool = False) -> None:
        super().__init__("%(asctime)s %(levelname)s %(role)s [%(correlation_id)s] %(message)s")
        self.colour = colour

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's API
        coloured = getattr(record, _COLOURED_COPY, None)
        if self.colour and isinstance(coloured, str):
            try:
                record.message = coloured % record.args if record.args else coloured
            except (TypeError, ValueError):  # a copy that does not match its arguments
                record.message = record.getMessage()
            return super().formatMessage(record)
        return without_escapes(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's API name
        return format_exception(ei)


def configure_logging(
    role: str,
    *,
    level: str | None = None,
    fmt: str | None = None,
    stream: TextIO | None = None,
) -> None:
    """Send every log line of this process to ``stream`` (stderr) as JSON (or text)."""
    global _process_role
    _process_role = role
    install_record_factory()
    target = stream or sys.stderr
    handler = logging.StreamHandler(target)
    wanted = (fmt or os.environ.get("OSS_ROUTER_LOG_FORMAT", "json")).lower()
    handler.setFormatter(
        TextFormatter(colour=_is_terminal(target)) if wanted == "text" else JsonFormatter()
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("OSS_ROUTER_LOG_LEVEL", "INFO")).upper())
    adopt_uvicorn_loggers()


def adopt_uvicorn_loggers() -> None:
    """uvicorn's own loggers propagate to ours instead of printing plain (coloured) text, at our
    level: a ``uvicorn.Config`` made earlier in the process (its ``log_level``, its default
    logging configuration) may have set theirs."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        logger.disabled = False


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
