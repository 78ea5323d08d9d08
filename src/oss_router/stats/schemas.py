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
    # The requested side (``received``): requests that arrived from partners.
    "received_totals": "Art. 18(2)(b): requests received and replied to; rows of Directive "
    "requests (SIENA from EU/Schengen states) are the Art. 18 figure, other channels the "
    "bureau's own",
    "received_by_country": "Art. 18(2)(b), by requesting state",
    "received_by_urgency": "Art. 18(2)(b), by urgency",
    "received_rows": "Art. 18(2)(b) for Directive requests; other channels: the bureau's own",
    "received_refusals": "Art. 18(2)(c): refusals given, by requesting state and Art. 6(1) "
    "ground (a null ground: outside the Directive, not an Art. 18 figure)",
    "received_deviations": "Art. 18(2)(d): deviations from the Art. 5(1) time limits under "
    "Art. 5(2), by requesting state",
}


class MessageRow(BaseModel):
    """Messages of conversations in the year (follow-ups, reminders, spontaneous
    information...), by channel, type and direction; outgoing ones that failed for good left
    out: they never reached the partner."""

    channel: str
    type: str
    direction: str
    messages: int


ART_18_MESSAGES = (
    "The bureau's own figures: other communications relating to the requests (Art. 16(1)(a)) "
    "and spontaneous information (Art. 7); Art. 18 asks no count of them"
)


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
    received: ReceivedStats = Field(
        description="The requests received from partners (the requested side of Art. 18)"
    )
    messages: list[MessageRow] = Field(default_factory=list, description=ART_18_MESSAGES)
    reminders: int = Field(
        default=0,
        description="Reminders of overdue requests sent to partners (by officers and by the "
        "deadline watch): the bureau's own figure",
    )
    articles: dict[str, str] = Field(
        default_factory=lambda: dict(ART_18),
        description="the paragraph of Directive (EU) 2023/977 Art. 18(2) each section answers",
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of ``year`` in UTC (the zone of stored timestamps)."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
