"""Embedded mode's start-up recovery: re-publish the dispatches (and the replies to partners)
the in-process broker lost.

The in-process broker keeps its queues in memory, so when the embedded process stops, every
dispatch that was published (``sent``) or being worked on (``delivered``) but not yet answered
is gone from the queues while the database still waits for it — and so is every reply still
``sent`` (inbound/replies.py). At start-up, before the workers
consume, their outbox rows are published again. Re-publishing is safe: a dispatch processed
twice produces result messages with the same deterministic ids, and the tracker applies each
id at most once.

RabbitMQ keeps its messages (durable quorum queues, persistent messages), so this recovery is
only for the in-process broker.
"""

import logging

from oss_router.broker.contract import Broker
from oss_router.db import SessionMaker, transaction
from oss_router.outbox import repository
from oss_router.outbox.relay import outgoing

log = logging.getLogger(__name__)

PAGE = 500


async def republish_in_flight(sessions: SessionMaker, broker: Broker) -> int:
    """Publish again every published dispatch still ``sent`` or ``delivered``; how many."""
    total, after_id = 0, 0
    while True:
        async with transaction(sessions) as session:
            rows = await repository.published_in_flight(session, after_id, PAGE)
        if not rows:
            break
        await broker.publish([outgoing(row) for row in rows])
        total += len(rows)
        after_id = rows[-1].id
    if total:
        log.info("recovery: re-published %d dispatches that were in flight at shutdown", total)
    return total
