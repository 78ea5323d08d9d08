"""Prometheus metrics of oss-router (names documented in README, section "Operations").

Counters that describe database changes are incremented only once the transaction committed
(``UnitOfWork.after_commit``), so a rolled-back attempt is not counted. Gauges describing
shared state (outbox, queues, overdue dispatches) are refreshed when scraped, by the process
that can see that state (``telemetry.gauges``).
"""

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from oss_router.messages.codes import Channel
from oss_router.unit_of_work import UnitOfWork

__all__ = ["CONTENT_TYPE_LATEST", "exposition"]

# ``*_created`` series double the series count and no dashboard of ours uses them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped upstream

_SECOND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Answer times span seconds (stubs, PCCC checks) to weeks (7-day deadlines and beyond).
_HOUR = 3600.0
_ANSWER_BUCKETS = (
    1.0,
    10.0,
    60.0,
    300.0,
    900.0,
    _HOUR,
    4 * _HOUR,
    8 * _HOUR,
    12 * _HOUR,
    24 * _HOUR,
    72 * _HOUR,
    168 * _HOUR,
    336 * _HOUR,
)

REQUESTS = Counter(
    "oss_router_requests",
    "Exchange requests accepted at intake",
    ["kind", "urgency", "origin"],
)
DISPATCHES = Counter(
    "oss_router_dispatches",
    "Dispatches entering a status (queued at intake, then every transition)",
    ["kind", "channel", "status"],
)
HTTP_REQUESTS = Counter(
    "oss_router_http_requests",
    "HTTP calls answered by the gateway, by route template and status code",
    ["method", "route", "status"],
)
INTAKE_SECONDS = Histogram(
    "oss_router_intake_duration_seconds",
    "Time to answer POST /v1/requests (validation, routing, one transaction)",
    ["status"],
    buckets=_SECOND_BUCKETS,
)
ANSWER_SECONDS = Histogram(
    "oss_router_answer_seconds",
    "End-to-end answer time of a dispatch (intake to the channel's answer), per channel",
    ["channel"],
    buckets=_ANSWER_BUCKETS,
)
OUTBOX_BACKLOG = Gauge("oss_router_outbox_backlog", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "oss_router_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0 if none)"
)
OUTBOX_PUBLISHED = Counter("oss_router_outbox_published", "Outbox rows published by the relay")
QUEUE_MESSAGES = Gauge("oss_router_queue_messages", "Messages ready in a broker queue", ["queue"])
QUEUE_CONSUMERS = Gauge("oss_router_queue_consumers", "Consumers of a broker queue", ["queue"])
RETRIES = Counter("oss_router_retries", "Deliveries sent to a delayed-retry tier", ["channel"])
DEAD_LETTERS = Counter(
    "oss_router_dead_letters", "Messages dead-lettered by a worker or the tracker", ["channel"]
)
DEAD_LETTER_REPLAYS = Counter(
    "oss_router_dead_letter_replays", "Dead letters replayed to their channel", ["channel"]
)
RESULTS = Counter(
    "oss_router_results",
    "Result messages handled by the tracker (applied, duplicate or stale, malformed, requeued)",
    ["outcome"],
)
OVERDUE = Gauge(
    "oss_router_overdue_dispatches", "Open dispatches past their due_at, per channel", ["channel"]
)
OVERDUE_MARKED = Counter(
    "oss_router_overdue_marked", "Dispatches the deadline watch marked overdue", ["channel"]
)
DEADLINE_WARNINGS = Counter(
    "oss_router_deadline_warnings", "Deadline warnings issued ahead of due_at", ["channel"]
)
INBOUND_RECEIVED = Counter(
    "oss_router_inbound_received",
    "Partner messages a worker received and published to the inbound queue",
    ["channel"],
)
INBOUND_HANDLED = Counter(
    "oss_router_inbound_handled",
    "Partner messages the registrar handled (registered, duplicate, clarification, malformed)",
    ["outcome"],
)
INBOUND_REPLIES = Counter(
    "oss_router_inbound_replies",
    "Replies to partners entering a status (queued by an officer, then each delivery step)",
    ["channel", "type", "status"],
)
CONVERSATION_MESSAGES = Counter(
    "oss_router_conversation_messages",
    "Messages of conversations entering a status: outgoing ones queued, then each delivery "
    "step; incoming ones received (follow-ups, reminders, spontaneous information...)",
    ["channel", "type", "direction", "status"],
)
INBOUND_OVERDUE = Gauge(
    "oss_router_inbound_overdue",
    "Open requests received from partners past their due_at, clock running, per channel",
    ["channel"],
)
INBOUND_OVERDUE_MARKED = Counter(
    "oss_router_inbound_overdue_marked",
    "Received requests the deadline watch marked overdue",
    ["channel"],
)
INBOUND_DEADLINE_WARNINGS = Counter(
    "oss_router_inbound_deadline_warnings",
    "Deadline warnings issued ahead of a received request's due_at",
    ["channel"],
)
INBOUND_REGISTERED = Counter(
    "oss_router_inbound_registered",
    "Requests received from partners, registered (once each: repeats are not counted)",
    ["channel", "urgency", "source"],
)
BROKER_RECONNECTIONS = Counter(
    "oss_router_broker_reconnections", "Times the broker connection was re-established"
)


def _touch_known_series() -> None:
    """Create the per-channel series at zero so that they exist before the first event."""
    for channel in Channel:
        for metric in (
            RETRIES,
            DEAD_LETTERS,
            DEAD_LETTER_REPLAYS,
            OVERDUE_MARKED,
            INBOUND_RECEIVED,
        ):
            metric.labels(channel.value)
        DEADLINE_WARNINGS.labels(channel.value)
        OVERDUE.labels(channel.value)
        INBOUND_OVERDUE.labels(channel.value)
        INBOUND_OVERDUE_MARKED.labels(channel.value)
        INBOUND_DEADLINE_WARNINGS.labels(channel.value)
    for outcome in ("applied", "ignored", "malformed", "requeued"):
        RESULTS.labels(outcome)


_touch_known_series()


def exposition() -> bytes:
    """The text exposition of every metric of this process (ours and the process collector)."""
    return generate_latest()


def count_dispatch(uow: UnitOfWork, kind: str, channel: str, status: str) -> None:
    uow.after_commit(DISPATCHES.labels(kind, channel, status).inc)


def count_request(uow: UnitOfWork, kind: str, urgency: str, origin: str) -> None:
    uow.after_commit(REQUESTS.labels(kind, urgency, origin).inc)


def observe_answer(uow: UnitOfWork, channel: str, seconds: float) -> None:
    uow.after_commit(lambda: ANSWER_SECONDS.labels(channel).observe(max(0.0, seconds)))


def count_reply(uow: UnitOfWork, channel: str, type: str, status: str) -> None:
    uow.after_commit(INBOUND_REPLIES.labels(channel, type, status).inc)


def count_message(uow: UnitOfWork, channel: str, type: str, direction: str, status: str) -> None:
    uow.after_commit(CONVERSATION_MESSAGES.labels(channel, type, direction, status).inc)


def count_inbound(uow: UnitOfWork, channel: str, urgency: str, source: str) -> None:
    uow.after_commit(INBOUND_REGISTERED.labels(channel, urgency, source).inc)
