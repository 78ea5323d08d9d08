"""Assembling the yearly statistics. Read-only; never commits."""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.stats import repository
from oss_router.stats.schemas import (
    AnswerTimeRow,
    ChannelTotal,
    CountryTotal,
    RefusalRow,
    SentCounts,
    SentRow,
    StatsRead,
    UrgencyTotal,
    year_bounds,
)

STEPS = ("requests sent", "refusals", "answer times")

Step = Callable[[str], None]
Total = TypeVar("Total", ChannelTotal, CountryTotal, UrgencyTotal)


def _no_progress(_step: str) -> None:
    return None


async def yearly_stats(
    session: AsyncSession, year: int, now: datetime, *, progress: Step = _no_progress
) -> StatsRead:
    """Directive 2023/977 Art. 18 figures for ``year``; ``progress`` hears of each step done."""
    start, end = year_bounds(year)
    sent = [SentRow.model_validate(row) for row in await repository.sent_rows(session, start, end)]
    progress(STEPS[0])
    refusals = [
        RefusalRow.model_validate(row) for row in await repository.refusal_rows(session, start, end)
    ]
    progress(STEPS[1])
    times = [
        AnswerTimeRow.model_validate(_rounded(row))
        for row in await repository.answer_time_rows(session, start, end)
    ]
    progress(STEPS[2])
    return StatsRead(
        year=year,
        period_start=start,
        period_end=end,
        generated_at=now,
        totals=_sum(sent),
        by_channel=_totals(sent, "channel", ChannelTotal),
        by_country=_totals(sent, "country", CountryTotal),
        by_urgency=_totals(sent, "urgency", UrgencyTotal),
        sent=sent,
        refusals=refusals,
        answer_times=times,
    )


def _rounded(row: dict[str, object]) -> dict[str, object]:
    # julianday() arithmetic carries sub-millisecond noise; a second is precise enough here.
    return {
        key: round(value, 1) if isinstance(value, float) else value for key, value in row.items()
    }


def _sum(rows: list[SentRow]) -> SentCounts:
    total = SentCounts()
    for row in rows:
        total.add(row)
    return total


def _totals(rows: list[SentRow], key: str, kind: type[Total]) -> list[Total]:
    totals: dict[str, Total] = {}
    for row in rows:
        value = getattr(row, key)
        totals.setdefault(value, kind.model_validate({key: value})).add(row)
    return [totals[value] for value in sorted(totals)]
