"""Rendering the statistics for ``oss-router stats``: JSON (as the API) or CSV.

The CSV is in long form, one figure per line, so that one header fits every table and a
spreadsheet pivot rebuilds any breakdown: ``section,channel,country,urgency,refusal_ground,
measure,value,basis`` — ``basis`` says which paragraph of Directive (EU) 2023/977 Art. 18(2) the
figure answers (or that it is none).
"""

import csv
import io
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from oss_router.stats.schemas import ART_18_MESSAGES, StatsRead

CSV_COLUMNS = (
    "section",
    "channel",
    "country",
    "urgency",
    "refusal_ground",
    "measure",
    "value",
    "basis",
)
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
    yield from _figures("totals", stats.totals, stats.articles)
    yield from _figures("other_channels", stats.other_channels, stats.articles)
    for section in ("by_channel", "by_country", "by_urgency", "sent", "refusals", "answer_times"):
        for row in getattr(stats, section):
            yield from _figures(section, row, stats.articles)
    # The requested side (Art. 18(2)(b)-(d)): the same columns, sections named received_*.
    received = stats.received
    yield from _figures("received_totals", received.totals, stats.articles)
    for section in ("by_country", "by_urgency", "rows", "refusals", "deviations"):
        for row in getattr(received, section):
            yield from _figures(f"received_{section}", row, stats.articles)
    for message in stats.messages:  # the bureau's own figures, beside Art. 18's
        yield [
            "messages",
            message.channel,
            "",
            "",
            "",
            f"{message.direction}_{message.type}",
            message.messages,
            ART_18_MESSAGES,
        ]


def _figures(section: str, row: BaseModel, articles: dict[str, str]) -> Iterator[list[Any]]:
    values = row.model_dump(mode="json")
    directive = values.pop("under_directive", None)
    dimensions = [values.get(name, "") or "" for name in _DIMENSIONS]
    measures = [name for name in values if name not in _DIMENSIONS]
    basis = articles.get(section, "")
    if directive is not None:
        basis = articles["totals"] if directive else articles["other_channels"]
    for measure in measures:
        yield [section, *dimensions, measure, values[measure], basis]
