"""Refreshing the gauges that describe shared state, at scrape time.

Each process refreshes what it can see: the relay the outbox, a worker its channel's queues,
the tracker the results queue and the overdue dispatches, the gateway everything. Several
processes may export the same gauge; dashboards take ``max`` over instances.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from oss_router.broker.contract import Broker
from oss_router.db import SessionMaker
from oss_router.messages.codes import Channel
from oss_router.outbox import repository as outbox
from oss_router.sla import repository as deadlines
from oss_router.telemetry import metrics

log = logging.getLogger(__name__)


async def refresh_outbox(sessions: SessionMaker, now: datetime) -> None:
    async with sessions() as session:
        backlog, oldest = await outbox.backlog(session)
    metrics.OUTBOX_BACKLOG.set(backlog)
    metrics.OUTBOX_OLDEST_AGE.set(_age(oldest, now))


def _age(oldest: datetime | None, now: datetime) -> float:
    return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())


async def refresh_overdue(sessions: SessionMaker, now: datetime) -> None:
    async with sessions() as session:
        counts = await deadlines.overdue_by_channel(session, now)
        received = await deadlines.inbound_overdue_by_channel(session, now)
    for channel in Channel:
        metrics.OVERDUE.labels(channel.value).set(counts.get(channel, 0))
        metrics.INBOUND_OVERDUE.labels(channel.value).set(received.get(channel, 0))


async def refresh_queues(broker: Broker, queues: Iterable[str]) -> None:
    for queue in queues:
        try:
            stats = await broker.queue_stats(queue)
        except Exception as error:  # a missing queue or a broker outage leaves the last value
            log.warning("queue %s not measured: %s", queue, error)
            continue
        metrics.QUEUE_MESSAGES.labels(queue).set(stats.messages)
        metrics.QUEUE_CONSUMERS.labels(queue).set(stats.consumers)
