"""Rendering the statistics for ``oss-router stats``: JSON (as the API) or CSV.

The CSV is in long form, one figure per line, so that one header fits every table and a
spreadsheet pivot rebuilds any breakdown: ``section,channel,country,urgency,refusal_ground,
measure,value``.
"""

import csv
import io
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from oss_router.stats.schemas import StatsRead

CSV_COLUMNS = ("section", "channel", "country", "urgency", "refusal_ground", "measure", "value")
_DIMENSIONS = CSV_COLUMNS[1:5]


def to_json(stats: StatsRead) -> str:
    return stats.model_dump_json(indent=2) + "\n"


def to_csv(stats: StatsRead) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(stats))
    return buffer.getvalue()


def _csv_rows(stats: StatsRead) -> Iterator[list[Any]]:
    yield from _figures("totals", stats.totals)
    for section in ("by_channel", "by_country", "by_urgency", "sent", "refusals", "answer_times"):
        for row in getattr(stats, section):
            yield from _figures(section, row)
    # The requested side (Art. 18(2)(b)-(d)): the same columns, sections named received_*.
    received = stats.received
    yield from _figures("received_totals", received.totals)
    for section in ("by_country", "by_urgency", "rows", "refusals", "deviations"):
        for row in getattr(received, section):
            yield from _figures(f"received_{section}", row)


def _figures(section: str, row: BaseModel) -> Iterator[list[Any]]:
    values = row.model_dump(mode="json")
    dimensions = [values.get(name, "") or "" for name in _DIMENSIONS]
    measures = [name for name in values if name not in _DIMENSIONS]
    for measure in measures:
        yield [section, *dimensions, measure, values[measure]]
