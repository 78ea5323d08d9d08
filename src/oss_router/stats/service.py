"""Assembling the yearly statistics. Read-only; never commits."""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.country import load_reference_data
from oss_router.inbound.deadlines import is_directive_request
from oss_router.messages.codes import Channel, MessageType
from oss_router.routing.deadlines import under_directive
from oss_router.stats import repository
from oss_router.stats.schemas import (
    AnswerTimeRow,
    ChannelTotal,
    CountryTotal,
    DeviationRow,
    MessageRow,
    ReceivedCountryTotal,
    ReceivedCounts,
    ReceivedRefusalRow,
    ReceivedRow,
    ReceivedStats,
    ReceivedUrgencyTotal,
    RefusalRow,
    SentCounts,
    SentRow,
    StatsRead,
    UrgencyTotal,
    year_bounds,
)

STEPS = ("requests sent", "refusals", "answer times", "requests received", "messages")

Step = Callable[[str], None]
Total = TypeVar("Total", ChannelTotal, CountryTotal, UrgencyTotal)
R = TypeVar("R", ReceivedCountryTotal, ReceivedUrgencyTotal)


def _no_progress(_step: str) -> None:
    return None


async def yearly_stats(
    session: AsyncSession, year: int, now: datetime, *, progress: Step = _no_progress
) -> StatsRead:
    """Directive 2023/977 Art. 18(2)(a) figures for ``year`` (requests under the Directive),
    beside the other channels' figures, each section labelled with the paragraph it answers
    (``StatsRead.articles``); ``progress`` hears of each step done."""
    start, end = year_bounds(year)
    sent = [_sent(row) for row in await repository.sent_rows(session, start, end)]
    progress(STEPS[0])
    refusals = [
        RefusalRow.model_validate(row)
        for row in await repository.refusal_rows(session, start, end)
        if _directive(row)
    ]
    progress(STEPS[1])
    times = [
        AnswerTimeRow.model_validate(_rounded(row))
        for row in await repository.answer_time_rows(session, start, end)
    ]
    progress(STEPS[2])
    directive = [row for row in sent if row.under_directive]
    received = await _received(session, start, end)
    progress(STEPS[3])
    messages = [
        MessageRow.model_validate(row) for row in await repository.message_rows(session, start, end)
    ]
    progress(STEPS[4])
    return StatsRead(
        year=year,
        period_start=start,
        period_end=end,
        generated_at=now,
        totals=_sum(directive),
        other_channels=_sum([row for row in sent if not row.under_directive]),
        by_channel=_totals(sent, "channel", ChannelTotal),
        by_country=_totals(directive, "country", CountryTotal),
        by_urgency=_totals(directive, "urgency", UrgencyTotal),
        sent=sent,
        refusals=refusals,
        answer_times=times,
        received=received,
        messages=messages,
        reminders=sum(
            row.messages
            for row in messages
            if row.type == MessageType.REMINDER.value and row.direction == "outgoing"
        ),
    )


async def _received(session: AsyncSession, start: datetime, end: datetime) -> ReceivedStats:
    """The requested side: Art. 18(2)(b) received and answered by urgency and requesting
    state, (c) refusals by requesting state and ground, (d) deviations from the time limits
    for a judicial authorisation (Art. 5(2)) — those are the delays of Directive requests."""
    rows = [
        ReceivedRow.model_validate(row)
        for row in await repository.received_rows(session, start, end)
    ]
    refusals = [
        ReceivedRefusalRow.model_validate(row)
        for row in await repository.received_refusal_rows(session, start, end)
    ]
    deviations: dict[str, int] = {}
    for delayed in await repository.delayed_rows(session, start, end):
        country = delayed["country"]
        if is_directive_request(Channel(delayed["channel"]), country):
            deviations[country] = deviations.get(country, 0) + delayed["deviations"]
    totals = ReceivedCounts()
    for row in rows:
        totals.add(row)
    return ReceivedStats(
        totals=totals,
        by_country=_received_totals(rows, "country", ReceivedCountryTotal),
        by_urgency=_received_totals(rows, "urgency", ReceivedUrgencyTotal),
        rows=rows,
        refusals=refusals,
        deviations=[DeviationRow(country=c, deviations=n) for c, n in sorted(deviations.items())],
    )


def _received_totals(rows: list[ReceivedRow], key: str, kind: type[R]) -> list[R]:
    totals: dict[str, R] = {}
    for row in rows:
        value = getattr(row, key)
        totals.setdefault(value, kind.model_validate({key: value})).add(row)
    return [totals[value] for value in sorted(totals)]


def _directive(row: dict[str, object]) -> bool:
    """A request under Directive (EU) 2023/977 (Art. 18 counts those; routing/deadlines.py)."""
    country = str(row["country"])
    return under_directive(str(row["channel"]), load_reference_data().is_eu_or_schengen(country))


def _sent(row: dict[str, object]) -> SentRow:
    return SentRow.model_validate({**row, "under_directive": _directive(row)})


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
