"""The statistics as the API returns them and the CLI exports them."""

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, Field

from oss_router.messages.codes import Channel, RefusalGround, Urgency


class SentCounts(BaseModel):
    """What became of the requests sent (dispatches: one per channel and target state)."""

    sent: int = 0
    answered: int = 0
    answered_in_time: int = Field(default=0, description="answered at or before due_at")
    answered_late: int = Field(default=0, description="answered after due_at")
    refused: int = Field(default=0, description="answers that are refusals (Art. 6)")
    failed: int = 0
    cancelled: int = Field(default=0, description="cancelled after they were sent")
    pending: int = Field(default=0, description="sent, no answer yet")

    def add(self, other: "SentCounts") -> None:
        for name in SentCounts.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class SentRow(SentCounts):
    channel: Channel
    country: str
    urgency: Urgency


class ChannelTotal(SentCounts):
    channel: Channel


class CountryTotal(SentCounts):
    country: str


class UrgencyTotal(SentCounts):
    urgency: Urgency


class RefusalRow(BaseModel):
    country: str
    refusal_ground: RefusalGround | None = Field(
        description="Directive 2023/977 Art. 6(1)(a)-(h); null when the channel gave none"
    )
    refusals: int


class AnswerTimeRow(BaseModel):
    channel: Channel
    answered: int
    median_seconds: float = Field(description="nearest-rank median, intake to answer")
    p90_seconds: float = Field(description="nearest-rank 90th percentile")


class ReceivedCounts(BaseModel):
    """What became of the requests received from partners (Directive 2023/977 Art. 18(2)(b),
    (c), (d)), attributed to the year of their receipt."""

    received: int = 0
    answered: int = Field(default=0, description="answered with a hit or no hit")
    answered_in_time: int = Field(default=0, description="answered at or before due_at")
    answered_late: int = Field(default=0, description="answered after due_at")
    refused: int = Field(default=0, description="refused (Art. 6); by ground in `refusals`")
    pending: int = Field(default=0, description="neither answered nor refused yet")
    delayed: int = Field(
        default=0, description="with a delay notice; for Directive requests see `deviations`"
    )

    def add(self, other: "ReceivedCounts") -> None:
        for name in ReceivedCounts.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class ReceivedRow(ReceivedCounts):
    channel: Channel
    country: str = Field(description="the requesting state")
    urgency: Urgency


class ReceivedCountryTotal(ReceivedCounts):
    country: str = Field(description="the requesting state")


class ReceivedUrgencyTotal(ReceivedCounts):
    urgency: Urgency


class ReceivedRefusalRow(BaseModel):
    channel: Channel
    country: str = Field(description="the requesting state")
    refusal_ground: RefusalGround | None = Field(
        description="Directive 2023/977 Art. 6(1)(a)-(h); null for a request outside the "
        "Directive (refused with a reason of its own)"
    )
    refusals: int


class DeviationRow(BaseModel):
    """Art. 18(2)(d): deviations from the Art. 5(1) time limits because a judicial
    authorisation had to be obtained (Art. 5(2)), by requesting state."""

    country: str = Field(description="the requesting state")
    deviations: int


class ReceivedStats(BaseModel):
    totals: ReceivedCounts
    by_country: list[ReceivedCountryTotal]
    by_urgency: list[ReceivedUrgencyTotal]
    rows: list[ReceivedRow] = Field(description="one row per channel, requesting state, urgency")
    refusals: list[ReceivedRefusalRow]
    deviations: list[DeviationRow]


class StatsRead(BaseModel):
    year: int
    period_start: AwareDatetime
    period_end: AwareDatetime = Field(description="exclusive")
    generated_at: AwareDatetime
    totals: SentCounts
    by_channel: list[ChannelTotal]
    by_country: list[CountryTotal]
    by_urgency: list[UrgencyTotal]
    sent: list[SentRow] = Field(description="one row per channel, target state and urgency")
    refusals: list[RefusalRow]
    answer_times: list[AnswerTimeRow]
    received: ReceivedStats = Field(
        description="The requests received from partners (the requested side of Art. 18)"
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year`` in UTC (the zone of stored timestamps)."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
