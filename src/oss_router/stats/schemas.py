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
    refused: int = Field(
        default=0,
        description="answers that are refusals: on Directive exchanges with an Art. 6(1) "
        "ground, on other channels in that channel's own words",
    )
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
    under_directive: bool = Field(
        default=False,
        description="a request under Directive (EU) 2023/977 (SIENA to an EU or Schengen "
        "state): counted in the Art. 18(2)(a) figures; otherwise another channel's exchange",
    )


class ChannelTotal(SentCounts):
    channel: Channel


class CountryTotal(SentCounts):
    country: str


class UrgencyTotal(SentCounts):
    urgency: Urgency


class RefusalRow(BaseModel):
    country: str
    refusal_ground: RefusalGround | None = Field(
        description="Directive 2023/977 Art. 6(1)(a)-(h) the requested state gave; null when "
        "it gave none"
    )
    refusals: int


class AnswerTimeRow(BaseModel):
    channel: Channel
    answered: int
    median_seconds: float = Field(description="nearest-rank median, intake to answer")
    p90_seconds: float = Field(description="nearest-rank 90th percentile")


# Which paragraph of Directive (EU) 2023/977 Art. 18(2) each section answers. The outgoing side
# answers (a) only: (b) requests received and answered, (c) refusals given and (d) deviations
# from the time limits are the requested side's figures (requests that arrive).
ART_18 = {
    "totals": "Art. 18(2)(a): requests for information submitted under the Directive",
    "by_country": "Art. 18(2)(a), by requested state",
    "by_urgency": "Art. 18(2)(a), by urgency",
    "sent": "Art. 18(2)(a) where under_directive; other rows: outside the Directive, no Art. 18 "
    "figure",
    "other_channels": "not an Art. 18 figure: exchanges outside the Directive (SIRENE, Prüm, "
    "INTERPOL, liaison officers, PCCCs, Europol's third-state partners)",
    "by_channel": "not an Art. 18 figure: every channel, for the bureau's own use",
    "refusals": "not an Art. 18(2)(c) figure: refusals the requested states gave to our "
    "Directive requests (Art. 18(2)(c) counts the refusals the bureau gives)",
    "answer_times": "not an Art. 18 figure: answer times per channel",
}


class StatsRead(BaseModel):
    year: int
    period_start: AwareDatetime
    period_end: AwareDatetime = Field(description="exclusive")
    generated_at: AwareDatetime
    totals: SentCounts = Field(description=ART_18["totals"])
    other_channels: SentCounts = Field(description=ART_18["other_channels"])
    by_channel: list[ChannelTotal] = Field(description=ART_18["by_channel"])
    by_country: list[CountryTotal] = Field(description=ART_18["by_country"])
    by_urgency: list[UrgencyTotal] = Field(description=ART_18["by_urgency"])
    sent: list[SentRow] = Field(description="one row per channel, target state and urgency")
    refusals: list[RefusalRow] = Field(description=ART_18["refusals"])
    answer_times: list[AnswerTimeRow] = Field(description=ART_18["answer_times"])
    articles: dict[str, str] = Field(
        default_factory=lambda: dict(ART_18),
        description="the paragraph of Directive (EU) 2023/977 Art. 18(2) each section answers",
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year`` in UTC (the zone of stored timestamps)."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
